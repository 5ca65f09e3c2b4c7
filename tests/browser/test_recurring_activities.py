"""Browser walk of recurring activities (issue 15): the chair creates 每周五下午 职工健身 for the whole
school from a plan item; a member sees the occurrence on her 工作台 and its reminder in her inbox,
opens the venue's QR check-in page on her phone and checks in; the chair sees the attendance list
and exports it. Screenshots go to test-artifacts/screenshots/recurring-*.png."""

import datetime as dt

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The first page of a live server imports every app; on a shared 2-core machine that can take
# longer than Playwright's default 30 s.
SLOW_MACHINE_MS = 120_000


def test_weekly_activity_from_a_plan_item_to_the_attendance_export(browser, live_server, demo):
    from django.utils import timezone

    from activities.models import Attendance, Occurrence, Schedule
    from activities.occurrences import plan_due_reminders
    from members.models import RoleGrant
    from plans.models import PlanStatus
    from plans.tests.builders import build_plan
    from union_office.notifications.dispatch import reminders_dispatch_due

    school = RoleGrant.objects.filter(user__username="chair").first().org_unit
    plan = build_plan(
        school,
        year=timezone.localdate().year,
        status=PlanStatus.APPROVED,
        title="2026年工会工作计划",
        tree=[
            {
                "title": "文体工作",
                "items": [{"content": "职工健身", "deadline_text": "每周五下午", "owner_text": "王建国"}],
            }
        ],
    )
    errors: list[str] = []
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk.set_default_timeout(SLOW_MACHINE_MS)
    page = desk.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")

    # 1. From the plan item: one click.
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("[data-testid=item-create-recurring]")
    schedule = Schedule.objects.get(title="职工健身")
    page.wait_for_url(f"{live_server.url}/activities/schedules/{schedule.pk}/")
    assert page.locator("[data-testid=schedule-source]").count() == 1
    assert page.locator("[data-testid=next-dates] li").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "recurring-schedule.png"), full_page=True)

    # 2. Friday afternoon comes (the first occurrence is made to start in 5 minutes): the planner
    #    and the dispatcher run as beat would run them.
    occurrence = Occurrence.objects.filter(schedule=schedule).order_by("date").first()
    starts = timezone.now() + dt.timedelta(minutes=5)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    plan_due_reminders()
    reminders_dispatch_due()
    desk.close()

    # 3. The member's phone: the 工作台, the inbox, the QR check-in page.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone.set_default_timeout(SLOW_MACHINE_MS)
    page = phone.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "member")
    mine = page.locator("[data-testid=my-occurrences]")
    assert mine.locator(f"a[href='/activities/occurrences/{occurrence.pk}/']").inner_text() == "职工健身"
    page.locator("[data-card=activities]").screenshot(path=str(ARTIFACTS / "recurring-dashboard-card.png"))
    page.goto(f"{live_server.url}/notifications/")
    assert page.get_by_text("活动提醒：职工健身").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "recurring-inbox.png"), full_page=True)
    occurrence.refresh_from_db()
    page.goto(f"{live_server.url}/activities/occurrences/{occurrence.pk}/check-in/{occurrence.checkin_token}/")
    page.click("[data-testid=check-in-button]")
    page.wait_for_selector("[data-testid=checked-in]")
    page.screenshot(path=str(ARTIFACTS / "recurring-check-in-phone.png"), full_page=True)
    assert Attendance.objects.get(occurrence=occurrence).member.user.username == "member"
    phone.close()

    # 4. The chair's list and the export.
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    desk.set_default_timeout(SLOW_MACHINE_MS)
    page = desk.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/activities/occurrences/{occurrence.pk}/")
    assert page.locator("[data-testid=check-in-qr] svg").count() == 1
    assert page.locator("[data-testid=attendance-list] .btn-success").count() == 1
    page.screenshot(path=str(ARTIFACTS / "recurring-attendance.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=attendance-export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    desk.close()
    assert errors == []
