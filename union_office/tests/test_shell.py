"""The UI shell: login, dashboard per role, navigation by role, language, security headers."""

import re

import pytest
from django.urls import reverse

from union_office.audit import audit_record, mask_value
from union_office.models import AuditEntry


def test_login_page_is_chinese_and_public(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "工会办公管理系统" in body and "登录" in body
    assert '<html lang="zh-hans">' in body


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"


def test_login_with_wrong_password_says_so_in_chinese(client, chair):
    response = client.post(reverse("login"), {"username": "chair", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_rotates_the_session(client, chair):
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "chair", "password": "test-password-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_logout_needs_post(client, chair):
    client.force_login(chair)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def nav_labels(body: str) -> set[str]:
    nav = body.split('id="main-nav"', 1)[1].split('class="navbar-nav"', 1)[0]
    return set(re.findall(r'<i class="bi bi-[\w-]+"></i> ([^<]+)</a>', nav))


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("chair", {"会员", "经费", "帮扶", "提案", "活动", "工作计划"}, set()),
        ("committee", {"会员", "帮扶", "活动", "工作计划"}, {"经费"}),
        ("treasurer", {"会员", "经费"}, set()),
        ("auditor", {"经费", "会员"}, set()),
        ("member", {"工作计划", "提案", "活动", "帮扶"}, {"会员", "经费"}),
    ],
)
def test_navigation_shows_only_what_the_roles_allow(client, request, persona, shown, hidden):
    client.force_login(request.getfixturevalue(persona))
    labels = nav_labels(client.get(reverse("dashboard")).content.decode())
    assert shown <= labels
    assert not (hidden & labels)


def test_chair_dashboard_shows_roster_overview_and_roles(client, chair, member_in_a, member_in_b):
    client.force_login(chair)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'data-card="roster"' in body
    assert "在册会员" in body
    assert "工会主席" in body
    assert 'data-card="module-plans"' in body  # chair may edit and approve plans


def test_member_dashboard_is_personal(client, member):
    client.force_login(member)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'data-card="my-account"' in body
    assert 'data-card="roster"' not in body
    assert member.member.id_number_masked in body
    assert member.member.id_number not in body


def test_module_pages_follow_the_policy(client, member, treasurer):
    client.force_login(member)
    assert client.get(reverse("plans:index")).status_code == 200
    assert client.get(reverse("finance:index")).status_code == 404
    client.force_login(treasurer)
    body = client.get(reverse("finance:index")).content.decode()
    assert "记账" in body and "第一中学工会" in body


def test_english_is_switchable(client, chair):
    client.force_login(chair)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en">' in body
    assert "Dashboard" in body
    assert "Members" in body


def test_language_switch_works_before_login(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_csp_header_carries_a_nonce_and_no_unsafe_inline(client, chair):
    client.force_login(chair)
    response = client.get(reverse("dashboard"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w+/=-]+'", csp)
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_pages_load_assets_from_our_own_static_files(client, chair):
    client.force_login(chair)
    body = client.get(reverse("dashboard")).content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert "http://" not in body and "https://" not in body
    response = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200
    assert b".btn" in b"".join(response.streaming_content)
    response.close()


def test_audit_masks_sensitive_fields(chair, member_in_a):
    entry = audit_record(
        actor=chair, action="test", obj=member_in_a, changes={"id_number": ["11010519491231002X", None], "name": "x"}
    )
    entry.refresh_from_db()
    assert entry.changes["id_number"] == ["110105********002X", ""]
    assert entry.changes["name"] == "x"
    assert entry.actor_repr == "chair"
    assert AuditEntry.objects.count() == 1
    assert mask_value("1234") == "****"


def test_password_change_is_chinese_and_enforces_the_validators(client, chair):
    client.force_login(chair)
    url = reverse("password_change")
    assert "修改密码" in client.get(url).content.decode()
    weak = {"old_password": "test-password-123", "new_password1": "12345678", "new_password2": "12345678"}
    body = client.post(url, weak).content.decode()
    assert "密码长度太短" in body or "至少" in body
    good = {
        "old_password": "test-password-123",
        "new_password1": "Gonghui-Plan-2027",
        "new_password2": "Gonghui-Plan-2027",
    }
    assert client.post(url, good)["Location"] == reverse("password_change_done")
    chair.refresh_from_db()
    assert chair.check_password("Gonghui-Plan-2027")


def test_chinese_even_for_an_english_browser_until_the_user_switches(client, chair):
    client.force_login(chair)
    body = client.get(reverse("dashboard"), headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="zh-hans">' in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("dashboard")).content.decode()
