"""Browser walk: every demo role logs in through the real login page of a live server and lands
on its 工作台. Screenshots go to test-artifacts/screenshots/ for people to look at."""

import pytest

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# username → a card or text that its dashboard must show (proof the page is the role's own)
ROLES = {
    "chair": 'data-card="roster"',
    "committee": 'data-card="roster"',
    "treasurer": 'data-card="module-finance"',
    "auditor": 'data-card="roster"',
    "women": 'data-card="module-activities"',
    "motions": 'data-card="module-congress"',
    "handler": 'data-card="module-congress"',
    "member": 'data-card="my-account"',
    "county_chair": 'data-card="roster"',
}


def test_every_demo_role_logs_in_and_sees_its_dashboard(browser, live_server, demo):
    errors: list[str] = []
    for username, marker in ROLES.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg, who=username: msg.type == "error" and errors.append(f"{who}: {msg.text}"))
        page.goto(f"{live_server.url}/")
        assert "/login/" in page.url
        if username == "chair":
            page.screenshot(path=str(ARTIFACTS / "login.png"))
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        html = page.content()
        assert marker in html, username
        assert "您好" in html
        # Bootstrap's CSS really loaded from our own server (the navbar is styled, not a bare list).
        assert page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).display") == "flex"
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{username}.png"), full_page=True)
        if username == "chair":
            page.click("nav >> text=会员")
            page.wait_for_url(f"{live_server.url}/members/")
            assert page.locator("table tbody tr").count() == 50  # one full page of the roster
            page.screenshot(path=str(ARTIFACTS / "roster-chair.png"), full_page=False)
        context.close()
    # CSP violations and missing files show up as console errors.
    assert errors == []


def test_committee_member_gets_404_for_another_branch(browser, live_server, demo):
    from members.models import Member

    other = Member.objects.filter(org_unit__name="高二年级分工会").first()
    own = Member.objects.filter(org_unit__name="高一年级分工会").first()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "committee")
    assert page.goto(f"{live_server.url}/members/{own.pk}/").status == 200
    response = page.goto(f"{live_server.url}/members/{other.pk}/")
    assert response.status == 404
    assert "页面不存在" in page.content()
    page.screenshot(path=str(ARTIFACTS / "committee-other-branch-404.png"))
    context.close()
