"""Browser walk of activities (issue 6): the demo member finds the sports day on the union calendar,
opens it, signs up (htmx, no reload) and enters a 比赛项目; after the reminder dispatch the reminder is
in her inbox. The organiser checks her in on a phone-sized screen. Screenshots go to
test-artifacts/screenshots/activities-*.png."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _chart_of_accounts(demo):
    """A transactional test empties the tables after each test, the migration's chart included."""
    from finance.chart import load_chart
    from finance.models import Account

    load_chart(Account)


def test_member_signs_up_from_the_calendar_and_is_reminded(browser, live_server, demo):
    from django.utils import timezone

    from activities.models import Event, SignUp
    from union_office.notifications.dispatch import reminders_dispatch_due

    call_command("seed_demo_activities", stdout=StringIO())
    sports = Event.objects.get(title="教职工趣味运动会")
    starts = timezone.localtime(sports.starts_at)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "member")

    # The calendar of the sports day's month: the event, the weekly 全员健身, the women-only event.
    page.goto(f"{live_server.url}/activities/calendar/?year={starts.year}&month={starts.month}")
    item = page.locator(f"[data-testid=cal-event-{sports.pk}]")
    assert item.count() == 1
    assert page.locator("[data-testid=calendar]").get_by_text("全员健身").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "activities-calendar.png"), full_page=True)

    item.click()
    page.wait_for_url(f"{live_server.url}/activities/{sports.pk}/")
    page.click("[data-testid=signup-button]")
    page.wait_for_selector("[data-testid=my-status]")
    assert page.locator("[data-testid=my-status]").inner_text() == "已报名"
    tug = sports.items.get(name="拔河")
    page.click(f"[data-testid=item-{tug.pk}]")
    page.wait_for_selector(f"[data-testid=item-{tug.pk}].btn-success")
    page.screenshot(path=str(ARTIFACTS / "activities-event-signed-up.png"), full_page=True)
    signup = SignUp.objects.get(event=sports, member__user__username="member")
    assert signup.status == "signed_up" and signup.entries.get().sub_event == tug

    # Her 工作台 lists the sign-up.
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-testid=my-signups]").get_by_text("教职工趣味运动会").count() == 1
    page.locator("[data-card=activities]").screenshot(path=str(ARTIFACTS / "activities-dashboard-card.png"))

    # The day before: the dispatcher runs, the reminder is in her inbox.
    reminders_dispatch_due(now=sports.starts_at)
    page.goto(f"{live_server.url}/notifications/")
    assert page.get_by_text("活动提醒：教职工趣味运动会").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "activities-inbox.png"), full_page=True)

    # A man cannot join the women-only event: the page says so instead of offering the button.
    womens_day = Event.objects.get(eligibility="women")
    page.goto(f"{live_server.url}/activities/{womens_day.pk}/")
    assert page.locator("[data-testid=signup-button]").count() == 1  # 吴雪 may
    context.close()

    # The organiser's phone: check her in.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = phone.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/activities/{sports.pk}/check-in/")
    page.fill("#check-in-search", "吴雪")
    page.click(f"[data-testid=check-in-{signup.pk}]")
    page.wait_for_selector(f"#signup-{signup.pk} .btn-success")
    page.screenshot(path=str(ARTIFACTS / "activities-check-in-phone.png"), full_page=False)
    signup.refresh_from_db()
    assert signup.status == "checked_in"
    phone.close()

    # The printable 签到表 on the organiser's desk.
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/activities/{sports.pk}/roster/")
    assert page.locator("[data-testid=roster] tbody tr").count() == 19
    page.screenshot(path=str(ARTIFACTS / "activities-roster-print.png"), full_page=True)
    page.goto(f"{live_server.url}/activities/{sports.pk}/")
    page.screenshot(path=str(ARTIFACTS / "activities-event-organiser.png"), full_page=True)
    desk.close()
    assert errors == []


def test_organiser_screens_and_the_womens_day_refusal(browser, live_server, demo):
    from activities.models import Event, InterestGroup, Schedule

    call_command("seed_demo_activities", stdout=StringIO())
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")  # 王建国, a man

    page.goto(f"{live_server.url}/activities/")
    assert page.locator("[data-testid=event-table] tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "activities-list.png"), full_page=True)

    womens_day = Event.objects.get(eligibility="women")
    page.goto(f"{live_server.url}/activities/{womens_day.pk}/")
    assert page.locator("[data-testid=refusal]").inner_text().strip() == "本活动仅限女职工参加，您不在报名范围内。"
    assert page.locator("[data-testid=signup-button]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "activities-womens-day-refused.png"), full_page=True)

    page.goto(f"{live_server.url}/activities/new/")
    page.screenshot(path=str(ARTIFACTS / "activities-event-form.png"), full_page=True)

    fitness = Schedule.objects.get(title="全员健身")
    page.goto(f"{live_server.url}/activities/schedules/{fitness.pk}/")
    assert page.locator("[data-testid=next-dates] li").count() >= 10
    page.screenshot(path=str(ARTIFACTS / "activities-schedule.png"), full_page=True)

    group = InterestGroup.objects.get()
    page.goto(f"{live_server.url}/activities/groups/{group.pk}/")
    page.screenshot(path=str(ARTIFACTS / "activities-group.png"), full_page=True)
    page.get_by_role("button", name="批准").click()
    modal = page.locator("[data-testid=confirm-modal]")  # 批准 commits the group's money (issue 16)
    modal.wait_for(state="visible")
    modal.locator("[data-confirm-ok]").click()
    page.wait_for_selector("[data-testid=group-plan] [data-status=approved]")

    page.goto(f"{live_server.url}/activities/rules/")
    assert page.locator("[data-testid=policy-table] tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "activities-rules.png"), full_page=True)
    context.close()
    assert errors == []


def test_organiser_creates_a_first_wednesday_activity_and_reads_the_attendance_report(browser, live_server, demo):
    from activities.models import Schedule

    call_command("seed_demo_activities", stdout=StringIO())
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/activities/schedules/new/")
    page.fill("#id_title", "读书分享会")
    page.select_option("#id_recurrence", "nth_weekday")
    page.select_option("#id_weekday", "2")
    page.select_option("#id_week_of_month", "1")
    page.fill("#id_start_time", "15:00")
    page.fill("#id_end_time", "17:00")
    page.fill("#id_starts_on", "2026-12-01")
    page.click("form.uo-card button.btn-primary")
    page.wait_for_url("**/schedules/*/")
    assert "每月第一个周三 15:00–17:00" in page.content()
    assert Schedule.objects.get(title="读书分享会").week_of_month == 1
    page.screenshot(path=str(ARTIFACTS / "schedule-first-wednesday.png"), full_page=True)

    page.goto(f"{live_server.url}/activities/schedules/")
    page.click("[data-testid=member-attendance-link]")
    assert page.locator("[data-testid=member-attendance] tbody tr").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "member-attendance.png"), full_page=True)
