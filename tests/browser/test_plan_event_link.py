"""Browser walk of the plan ↔ event link (issue 6, item 6): the demo chair opens a running plan, clicks
创建活动 on a line of its 活动安排, lands on the new event (prefilled, 来源 linking back), sees the
event linked on the plan, and the plan's 时限 on the union calendar. Screenshots go to
test-artifacts/screenshots/plan-event-*.png."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, log_in
from tests.browser.test_plan_workflow import _demo_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _chart_of_accounts(demo):
    """A transactional test empties the tables after each test, the migration's chart included."""
    from finance.chart import load_chart
    from finance.models import Account

    load_chart(Account)


def test_chair_creates_the_event_from_the_schedule_and_follows_the_links(browser, live_server, demo):
    from activities.models import Event
    from plans.models import Item, Plan, PlanStatus, ScheduleEntry

    plan = _demo_plan()
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
    entry = ScheduleEntry.objects.filter(plan=plan, month_start__isnull=False).order_by("position", "pk").first()
    assert entry is not None
    # A line whose months are all past is refused (plans.events._day): the walk takes one that is
    # still to come on whatever day it runs.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    if plan.year == tomorrow.year:
        ScheduleEntry.objects.filter(pk=entry.pk).update(month_start=tomorrow.month, month_end=tomorrow.month)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")

    page.goto(f"{live_server.url}/plans/{plan.pk}/#schedule-{entry.pk}")
    row = page.locator(f"#schedule-{entry.pk}")
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "plan-event-schedule.png"), full_page=False)
    row.get_by_role("button", name="创建活动").click()
    page.wait_for_url(f"{live_server.url}/activities/*/")
    event = Event.objects.get(source_key=f"plans.scheduleentry:{entry.pk}")
    assert page.url == f"{live_server.url}/activities/{event.pk}/"
    assert event.title == entry.activity.strip().splitlines()[0][:200]
    source = page.locator("[data-testid=event-source]")
    assert plan.title in source.inner_text()
    page.screenshot(path=str(ARTIFACTS / "plan-event-created.png"), full_page=True)

    # Back to the plan through the 来源 link: the row now links the event, the button is gone.
    source.click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/*")
    linked = page.locator(f"#schedule-{entry.pk} [data-testid=linked-event]")
    assert linked.count() == 1
    assert page.locator(f"#schedule-{entry.pk} [data-testid=create-event]").count() == 0
    linked.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "plan-event-linked.png"), full_page=False)
    linked.click()
    page.wait_for_url(f"{live_server.url}/activities/{event.pk}/")
    assert Event.objects.filter(source_key__startswith="plans.scheduleentry:").count() == 1

    # The plan's 时限 on the calendar, in the month of an item's due day.
    item = Item.objects.filter(section__plan=plan, deadline_due__isnull=False).order_by("deadline_due").first()
    due = item.deadline_due
    page.goto(f"{live_server.url}/activities/calendar/?year={due.year}&month={due.month}")
    mark = page.locator(f"[data-testid=cal-plan-item-{item.pk}-{due:%Y%m%d}]")
    assert mark.count() == 1
    page.screenshot(path=str(ARTIFACTS / "plan-event-calendar.png"), full_page=True)
    context.close()
    assert errors == []
