"""Browser: the demo member sees reminders arrive in the inbox, the navbar badge counts them, a
message is marked read in place, and a kind of reminder is switched off on the 待提醒 page."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, log_in
from union_office.notifications import Channel, register_kind, reminder_schedule
from union_office.notifications.dispatch import reminders_dispatch_due
from union_office.notifications.kinds import REMINDER_KINDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = {
    "browser.event_upcoming": ("活动开始提醒", "报名的活动开始前一天提醒您"),
    "browser.plan_item_due": ("工作时限提醒", "您负责的工作计划事项到期前提醒"),
}


@pytest.fixture(autouse=True)
def _kinds():
    for key, (label, description) in KINDS.items():
        register_kind(key, label=label, description=description)
    yield
    for key in KINDS:
        REMINDER_KINDS.pop(key, None)


def test_member_reads_reminders_in_the_inbox(browser, live_server, demo):
    member = get_user_model().objects.get(username="member")
    now = timezone.now()
    for key, subject, body in [
        ("a", "明天 9:00 教职工运动会开幕", "请穿运动服，提前十分钟到学校操场集合。"),
        ("b", "“三八”节插花活动今天 15:00 开始", "地点：学校工会活动室。"),
        ("c", "报名成功：教职工羽毛球比赛", "比赛时间：4 月 20 日下午。"),
    ]:
        reminder_schedule(
            kind="browser.event_upcoming",
            recipient=member,
            due_at=now - timedelta(minutes=1),
            subject=subject,
            body=body,
            url="/",
            key=key,
            channels=[Channel.INAPP],
        )
    reminder_schedule(
        kind="browser.plan_item_due",
        recipient=member,
        due_at=now + timedelta(days=3),
        subject="“职工之家”建设自查材料 4 月底前提交",
        key="later",
    )
    assert reminders_dispatch_due().sent == 3

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "member")
    badge = page.locator('[data-testid="unread-badge"]')
    badge.wait_for()
    assert badge.get_attribute("data-unread") == "3"
    page.locator("nav.navbar").screenshot(path=str(ARTIFACTS / "notifications-navbar-badge.png"))

    page.click('[data-testid="inbox-link"]')
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.locator('[data-testid="notification"]').count() == 3
    page.screenshot(path=str(ARTIFACTS / "notifications-inbox.png"), full_page=True)

    # Mark one read in place (htmx): its row changes, and the badge follows.
    page.locator('[data-testid="mark-read"]').first.click()
    page.locator('[data-testid="unread-badge"][data-unread="2"]').wait_for()
    assert page.locator('[data-testid="mark-read"]').count() == 2

    page.goto(f"{live_server.url}/notifications/upcoming/")
    assert "“职工之家”建设自查材料" in page.content()
    page.click('[data-testid="mute-browser.plan_item_due"]')
    page.wait_for_load_state()
    assert "已关闭“工作时限提醒”" in page.content()
    page.screenshot(path=str(ARTIFACTS / "notifications-upcoming.png"), full_page=True)
    assert errors == []
    context.close()
