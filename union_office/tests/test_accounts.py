"""Authentication hardening (docs/authentication.md): lockout, session lifetime, TOTP, password flows."""

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from union_office.accounts.backends import client_ip
from union_office.accounts.enrolment import enrolment_code_issue
from union_office.accounts.policy import LAST_ACTIVITY, LOGIN_AT
from union_office.models import AuditEntry, TwoFactorEnrolmentCode

PASSWORD = "correct-horse-42"
OFFICE_NAT = "10.0.0.1"
HOME = "192.168.5.7"


@pytest.fixture
def people(member, chair):
    for user in (member, chair):
        user.set_password(PASSWORD)
        user.email = f"{user.username}@example.org"
        user.save()
    return member, chair


def post_login(client, username, password, ip=OFFICE_NAT):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def lock_out(client, username, ip=OFFICE_NAT):
    for _attempt in range(4):
        response = post_login(client, username, "wrong-password", ip)
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.text
    # The fifth failure locks at once.
    assert post_login(client, username, "wrong-password", ip).status_code == 429


# --- Brute-force protection ------------------------------------------------------------------


def test_five_failures_lock_that_username_at_that_address_with_a_chinese_429(client, people):
    member, _chair = people
    lock_out(client, member.username)
    # Even the right password is refused now: the guesser must not learn it by trying.
    response = post_login(client, member.username, PASSWORD)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.text
    assert "15 分钟后再试" in response.text
    assert SESSION_KEY not in client.session


def test_the_owner_at_another_address_is_not_locked(client, people):
    member, _chair = people
    lock_out(client, member.username, OFFICE_NAT)
    response = post_login(client, member.username, PASSWORD, HOME)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(member.pk)


def test_colleagues_behind_the_same_nat_are_not_locked(client, people):
    member, chair = people
    lock_out(client, member.username, OFFICE_NAT)
    response = post_login(client, chair.username, PASSWORD, OFFICE_NAT)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(chair.pk)


def test_the_lock_ends_after_the_cool_off(client, people):
    member, _chair = people
    lock_out(client, member.username)
    assert post_login(client, member.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    response = post_login(client, member.username, PASSWORD)
    assert response.status_code == 302
    # A success clears the count: five more failures are needed for the next lock.
    assert not AccessAttempt.objects.exists()


def test_four_failures_do_not_lock(client, people):
    member, _chair = people
    for _attempt in range(4):
        post_login(client, member.username, "wrong-password")
    assert post_login(client, member.username, PASSWORD).status_code == 302


def test_client_address_behind_our_proxy_is_counted_from_the_right(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "127.0.0.1"  # no proxy trusted: the header is the client's word
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what nginx saw, not what the client claimed
    assert client_ip(factory.get("/", REMOTE_ADDR="10.1.1.1")) == "10.1.1.1"


def test_authenticate_without_a_request_still_checks_the_password(people):
    from django.contrib.auth import authenticate

    member, _chair = people
    assert authenticate(username=member.username, password=PASSWORD) == member
    assert authenticate(username=member.username, password="nope") is None


# --- Sessions ---------------------------------------------------------------------------------


def test_logging_in_issues_a_new_session_key(client, people):
    member, _chair = people
    session = client.session
    session["before_login"] = True
    session.save()
    old_key = session.session_key
    assert post_login(client, member.username, PASSWORD).status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.get(session_key=new_key).get_decoded()[SESSION_KEY] == str(member.pk)


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_idle_session_is_logged_out_with_a_chinese_message(client, member):
    client.force_login(member)
    _age_session(client, **{LAST_ACTIVITY: 31 * 60})
    response = client.get("/members/")
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/members/")
    assert SESSION_KEY not in client.session
    login_page = client.get(response.url)
    assert "您已 30 分钟未操作，为保护数据已自动退出，请重新登录。" in login_page.text


def test_activity_keeps_the_session_and_moves_the_idle_clock(client, member):
    client.force_login(member)
    _age_session(client, **{LAST_ACTIVITY: 29 * 60})
    assert client.get("/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY] < 5


def test_ordinary_requests_cost_no_session_write_and_no_two_factor_query(client, member):
    client.force_login(member)
    stamp = client.session[LAST_ACTIVITY]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    # The idle clock moves at most once a minute, and "needs no second factor" was decided at login.
    assert not [q for q in sql if q.startswith("UPDATE") and "django_session" in q]
    assert not [q for q in sql if "otp_" in q]
    assert client.session[LAST_ACTIVITY] == stamp


def test_absolute_lifetime_ends_even_an_active_session(client, member):
    client.force_login(member)
    _age_session(client, **{LOGIN_AT: 12 * 3600 + 1, LAST_ACTIVITY: 60})
    response = client.get("/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert "登录已超过 12 小时，为保护数据请重新登录。" in client.get(response.url).text


def test_timeouts_follow_the_settings(client, member, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client.force_login(member)
    _age_session(client, **{LAST_ACTIVITY: 6 * 60})
    assert client.get("/").status_code == 302


# --- TOTP two-factor --------------------------------------------------------------------------


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


@pytest.fixture
def enrolled(people):
    member, _chair = people
    return TOTPDevice.objects.create(user=member, name="手机", confirmed=True)


def test_a_user_with_a_device_must_verify_before_any_page(client, enrolled):
    assert post_login(client, "member", PASSWORD).status_code == 302
    response = client.get("/members/")
    assert response.status_code == 302
    assert response.url == "/account/two-factor/verify/?next=/members/"
    page = client.get(response.url)
    assert "两步验证" in page.text and "6 位验证码" in page.text


def test_a_wrong_token_is_refused_and_a_valid_one_passes(client, enrolled):
    post_login(client, "member", PASSWORD)
    wrong = f"{(int(current_token(enrolled)) + 1) % 1_000_000:06d}"
    response = client.post("/account/two-factor/verify/", {"token": wrong, "next": "/members/"})
    assert response.status_code == 200
    assert "验证码不正确" in response.text
    assert client.get("/").status_code == 302
    # The throttle that slowed the wrong guess has passed.
    TOTPDevice.objects.filter(pk=enrolled.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post("/account/two-factor/verify/", {"token": current_token(enrolled), "next": "/members/"})
    assert response.status_code == 302
    assert response.url == "/members/"
    assert client.get("/").status_code == 200


def test_verify_refuses_a_next_url_on_another_site(client, enrolled):
    post_login(client, "member", PASSWORD)
    response = client.post(
        "/account/two-factor/verify/", {"token": current_token(enrolled), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def pending_device(client, user) -> TOTPDevice:
    """The authenticator the enrolment page offers (its secret waits in the session, unsaved)."""
    return TOTPDevice(user=user, key=client.session["uo_pending_totp_key"])


def test_enrolment_shows_a_server_side_svg_qr_code_and_confirms_with_a_token(client, member):
    client.force_login(member)
    page = client.get("/account/two-factor/enrol/")
    assert page.status_code == 200
    assert "<svg" in page.text and "otpauth" not in page.text.split("<svg")[0][-200:]
    assert "启用两步验证" in page.text
    # Showing the page writes nothing (issue 17, finding 4); reloading keeps the same secret.
    assert not TOTPDevice.objects.exists()
    device = pending_device(client, member)
    client.get("/account/two-factor/enrol/")
    assert pending_device(client, member).key == device.key
    code = enrolment_code_issue(actor=None, user=member)

    refused = client.post("/account/two-factor/enrol/", {"token": "000000", "enrolment_code": code})
    assert refused.status_code == 200 and "验证码不正确" in refused.text
    assert not TOTPDevice.objects.exists()

    response = client.post(
        "/account/two-factor/enrol/", {"token": current_token(device), "enrolment_code": code}, follow=True
    )
    device = TOTPDevice.objects.get(user=member)
    assert device.confirmed
    codes = re.findall(r"<li class=\"col\">(\w+)</li>", response.text)
    assert len(codes) == 10
    assert "备用码" in response.text
    # Shown once only.
    assert client.get("/account/two-factor/backup-codes/").status_code == 302
    # This session is verified (it just proved the factor).
    assert client.get("/").status_code == 200

    # Next login: a backup code stands in for the phone, once.
    client.logout()
    member.set_password(PASSWORD)
    member.save()
    post_login(client, "member", PASSWORD)
    assert client.post("/account/two-factor/verify/", {"token": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()


def test_enrolment_needs_the_code_an_administrator_issued(client, member):
    """Issue 17, finding 4: the password alone no longer binds a phone (first come, first bound)."""
    client.force_login(member)
    client.get("/account/two-factor/enrol/")
    device = pending_device(client, member)
    without = client.post("/account/two-factor/enrol/", {"token": current_token(device), "enrolment_code": "ABCD-EFGH"})
    assert without.status_code == 200 and "启用码不正确或已失效" in without.text
    assert not TOTPDevice.objects.exists()

    code = enrolment_code_issue(actor=None, user=member)
    for _attempt in range(5):  # five wrong guesses void the code
        client.post("/account/two-factor/enrol/", {"token": current_token(device), "enrolment_code": "WRONG-CODE"})
    refused = client.post("/account/two-factor/enrol/", {"token": current_token(device), "enrolment_code": code})
    assert "启用码不正确或已失效" in refused.text and not TOTPDevice.objects.exists()

    code = enrolment_code_issue(actor=None, user=member)
    response = client.post("/account/two-factor/enrol/", {"token": current_token(device), "enrolment_code": code})
    assert response.status_code == 302 and TOTPDevice.objects.filter(user=member, confirmed=True).exists()
    assert AuditEntry.objects.filter(action="two_factor.enrolment_code_issued").count() == 2
    assert AuditEntry.objects.filter(action="two_factor.enabled", actor=member).exists()
    # Used once: the code is gone.
    assert not TwoFactorEnrolmentCode.objects.exists()


def test_disabling_needs_the_password(client, enrolled):
    client.force_login(enrolled.user)
    client.post("/account/two-factor/verify/", {"token": current_token(enrolled)})
    response = client.post("/account/two-factor/disable/", {"password": "not-it"}, follow=True)
    assert "密码不正确，两步验证未停用。" in response.text
    assert TOTPDevice.objects.filter(user=enrolled.user).exists()
    response = client.post("/account/two-factor/disable/", {"password": PASSWORD}, follow=True)
    assert "两步验证已停用。" in response.text
    assert not TOTPDevice.objects.filter(user=enrolled.user).exists()
    assert client.get("/").status_code == 200


def test_overview_offers_enrolment(client, member):
    client.force_login(member)
    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    assert "启用两步验证" in page.text


# --- Password change and reset ----------------------------------------------------------------


def test_password_change_in_chinese(client, people):
    member, _chair = people
    client.force_login(member)
    page = client.get("/password/")
    assert "修改密码" in page.text and "旧密码" in page.text
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "new-secret-7788", "new_password2": "new-secret-7788"},
    )
    assert response.status_code == 302
    assert "密码已修改" in client.get(response.url).text
    member.refresh_from_db()
    assert member.check_password("new-secret-7788")


def test_password_reset_by_email_in_chinese(client, people):
    member, _chair = people
    page = client.get("/login/")
    assert 'href="/password/reset/"' in page.text
    page = client.get("/password/reset/")
    assert page.status_code == 200 and "重设密码" in page.text and "电子邮箱" in page.text
    response = client.post("/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert "邮件已发送" in client.get(response.url).text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "工会办公管理系统：重设密码"
    assert "您好" in message.body
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.text
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-secret-5566", "new_password2": "reset-secret-5566"},
        follow=True,
    )
    assert "密码已重设" in response.text
    member.refresh_from_db()
    assert member.check_password("reset-secret-5566")
    # The link works once.
    assert "重设链接无效" in client.get(link, follow=True).text


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, people):
    response = client.post("/password/reset/", {"email": "nobody@example.org"}, follow=True)
    assert "邮件已发送" in response.text
    assert mail.outbox == []
