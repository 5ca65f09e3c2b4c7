"""Browser walk of the login-security pages (issue 9 item 2, docs/authentication.md): the lockout
page after five wrong passwords, TOTP enrolment with its server-rendered QR code and the backup
codes, and the password-reset request. No console (CSP) errors. Screenshots go to
test-artifacts/screenshots/auth-*.png."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return get_user_model().objects.create_user(
        "wang", email="wang@example.org", password=DEMO_PASSWORD, first_name="王老师"
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.errors = []
    # The lockout page itself answers 429, which Chromium reports; nothing else may fail.
    page.on(
        "console",
        lambda msg: msg.type == "error" and "status of 429" not in msg.text and page.errors.append(msg.text),
    )
    yield page
    context.close()


def test_five_wrong_passwords_show_the_lockout_page(page, live_server, person):
    for _attempt in range(5):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "wang")
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=locked-out]")
    assert "15 分钟后再试" in page.inner_text("[data-testid=locked-out]")
    page.screenshot(path=str(ARTIFACTS / "auth-locked-out.png"), full_page=True)
    assert page.errors == []


def test_enrolment_with_the_qr_code_and_backup_codes(page, live_server, person):
    from base64 import b32decode

    from union_office.accounts.enrolment import enrolment_code_issue

    code = enrolment_code_issue(actor=None, user=person)
    log_in(page, live_server, "wang")
    page.click("[data-testid=user-menu]")
    page.click("text=两步验证")
    page.click("a:has-text('启用两步验证')")
    page.wait_for_selector("[data-testid=totp-qr] svg")
    page.screenshot(path=str(ARTIFACTS / "auth-2fa-enrol.png"), full_page=True)

    secret = b32decode(page.inner_text("[data-testid=totp-secret]").replace(" ", ""))
    page.fill("#id_enrolment_code", code)
    page.fill("#id_token", f"{totp(secret):06d}")
    page.click("button:has-text('完成绑定')")
    page.wait_for_selector("[data-testid=backup-codes]")
    assert len(page.locator("[data-testid=backup-codes] li").all()) == 10
    page.screenshot(path=str(ARTIFACTS / "auth-2fa-backup-codes.png"), full_page=True)
    assert page.errors == []


def test_password_reset_request(page, live_server, person):
    page.goto(f"{live_server.url}/login/")
    page.click("text=忘记密码？")
    page.wait_for_url(f"{live_server.url}/password/reset/")
    page.fill("#id_email", "wang@example.org")
    page.screenshot(path=str(ARTIFACTS / "auth-password-reset.png"), full_page=True)
    page.click("button:has-text('发送重设链接')")
    page.wait_for_url(f"{live_server.url}/password/reset/sent/")
    assert "邮件已发送" in page.content()
    assert page.errors == []
