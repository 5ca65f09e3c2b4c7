"""A 退休 dated next month, approved in the browser: the member page shows it 待生效 until its date."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from members import membership
from members.models import Member, MemberStatus
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chair_approves_a_retirement_dated_ahead_and_sees_it_pending(browser, live_server, demo):
    chair = get_user_model().objects.get(username="chair")
    member = Member.objects.filter(org_unit__name="行政后勤分工会", status=MemberStatus.ACTIVE, user=None).first()
    on = timezone.localdate() + datetime.timedelta(days=40)
    change = membership.membership_request(actor=chair, member=member, kind="retire", effective_on=on)

    context = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/members/{member.pk}/")
    page.click("#membership-history button:has-text('批准')")
    page.wait_for_selector("[data-testid=scheduled-change]")
    text = page.inner_text("[data-testid=scheduled-change]")
    assert "待生效：退休" in text and on.isoformat() in text and "已退休" in text
    assert f"将于 {on.isoformat()} 生效" in page.content()
    page.screenshot(path=str(ARTIFACTS / "membership-scheduled.png"), full_page=True)
    # The approval inbox lists it apart from what awaits a decision, with 撤销 for the approver.
    page.goto(f"{live_server.url}/members/changes/")
    scheduled = page.locator("[data-testid=scheduled-changes]")
    assert member.name in scheduled.inner_text() and on.isoformat() in scheduled.inner_text()
    assert scheduled.locator("button:has-text('撤销')").count() == 1
    assert "已批准待生效 1 件" in page.inner_text("[data-testid=inbox-counts]")
    page.screenshot(path=str(ARTIFACTS / "membership-inbox-scheduled.png"), full_page=True)

    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert membership.membership_apply_due(today=on) == 1
    page.goto(f"{live_server.url}/members/{member.pk}/")
    assert page.locator("[data-testid=scheduled-change]").count() == 0
    assert "已退休" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "membership-scheduled-applied.png"), full_page=True)
    change.refresh_from_db()
    assert change.state == "approved"
    assert errors == []
    context.close()
