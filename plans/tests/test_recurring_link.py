"""Issue 15 on the plan side: 创建周期活动 from a recurring 时限, links kept by a new version, past
months refused, 活动安排 in time order, and an unreadable month explained."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Event, Occurrence, Recurrence, Schedule
from members.models import Member
from plans import events, services
from plans.editing.schedule import months_of
from plans.models import PlanStatus, ScheduleEntry
from plans.services import PlanWorkflowError
from plans.tests.builders import build_plan

YEAR = timezone.localdate().year + 1  # a year ahead: no month of it is past
TREE = [{"title": "文体工作", "items": [{"content": "职工健身", "deadline_text": "每周五下午", "owner_text": "chair"}]}]
SCHEDULE = [("十月", "秋季运动会"), ("元月", "新春慰问"), ("五一前后", "劳动竞赛"), ("每周五下午", "职工健身")]


def _plan(org, year=YEAR, status=PlanStatus.APPROVED):
    plan = build_plan(org.school, year=year, status=status, tree=TREE, schedule=SCHEDULE)
    for entry in ScheduleEntry.objects.filter(plan=plan):
        entry.month_start, entry.month_end = months_of(entry.month_text)
        entry.save()
    return plan


def _item(plan):
    return plan.sections.get().items.get()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("每周五下午", {"recurrence": "weekly", "weekday": 4, "start_time": dt.time(15), "end_time": dt.time(17)}),
        ("每周星期三上午", {"recurrence": "weekly", "weekday": 2, "start_time": dt.time(9), "end_time": dt.time(11)}),
        ("每月15日", {"recurrence": "monthly", "day": 15, "start_time": dt.time(15), "end_time": dt.time(17)}),
        ("每月月底", {"recurrence": "monthly", "day": 31, "start_time": dt.time(15), "end_time": dt.time(17)}),
        (
            "每季度末",
            {
                "recurrence": "quarterly",
                "month_of_quarter": 3,
                "day": 31,
                "start_time": dt.time(15),
                "end_time": dt.time(17),
            },
        ),
        ("每月", None),
        (
            "每月第一个周三",
            {
                "recurrence": "nth_weekday",
                "weekday": 2,
                "week_of_month": 1,
                "start_time": dt.time(15),
                "end_time": dt.time(17),
            },
        ),
        (
            "每月最后一个周五",
            {
                "recurrence": "nth_weekday",
                "weekday": 4,
                "week_of_month": -1,
                "start_time": dt.time(15),
                "end_time": dt.time(17),
            },
        ),
        ("两周一次", {"recurrence": "biweekly", "weekday": None, "start_time": dt.time(15), "end_time": dt.time(17)}),
        ("隔周周五", {"recurrence": "biweekly", "weekday": 4, "start_time": dt.time(15), "end_time": dt.time(17)}),
        ("3月", None),
    ],
)
def test_the_rule_a_recurring_deadline_names(text, rule):
    assert events.schedule_rule(text, 2026) == rule


def test_chair_creates_a_weekly_activity_from_a_plan_item_linked_both_ways(org, chair, login):
    plan = _plan(org)
    item = _item(plan)
    item.owner = Member.objects.get(user=chair)
    item.save()
    client = login(chair)
    page = client.get(reverse("plans:detail", args=[plan.pk])).text
    url = reverse("plans:recurring_activity", args=[plan.pk, "item", item.pk])
    assert url in page
    response = client.post(url)
    schedule = Schedule.objects.get()
    assert response.url == reverse("activities:schedule_detail", args=[schedule.pk])
    assert (schedule.title, schedule.recurrence, schedule.weekday) == ("职工健身", Recurrence.WEEKLY, 4)
    assert (schedule.start_time, schedule.end_time, schedule.responsible.user) == (dt.time(15), dt.time(17), chair)
    assert schedule.source_key == f"plans.item:{item.pk}"
    assert Occurrence.objects.filter(schedule=schedule).exists()
    # Back-links: the plan shows the activity, the activity names the plan; a second click opens it.
    assert 'data-testid="item-schedule"' in client.get(reverse("plans:detail", args=[plan.pk])).text
    detail = client.get(response.url).text
    assert 'data-testid="schedule-source"' in detail and plan.title in detail
    assert client.post(url).url == response.url and Schedule.objects.count() == 1


def test_a_schedule_line_with_a_recurring_month_creates_the_activity(org, chair, login):
    plan = _plan(org)
    entry = ScheduleEntry.objects.get(plan=plan, month_text="每周五下午")
    response = login(chair).post(reverse("plans:recurring_activity", args=[plan.pk, "entry", entry.pk]))
    schedule = Schedule.objects.get(source_key=f"plans.scheduleentry:{entry.pk}")
    assert response.url == reverse("activities:schedule_detail", args=[schedule.pk])


@pytest.mark.parametrize(
    ("text", "recurrence", "weekday", "week_of_month"),
    [("每月第一个周三", Recurrence.NTH_WEEKDAY, 2, 1), ("两周一次", Recurrence.BIWEEKLY, None, None)],
)
def test_first_wednesday_and_fortnightly_plan_items_create_the_activity(
    org, chair, login, text, recurrence, weekday, week_of_month
):
    plan = _plan(org)
    item = _item(plan)
    item.deadline_text = text
    item.save()
    response = login(chair).post(reverse("plans:recurring_activity", args=[plan.pk, "item", item.pk]))
    schedule = Schedule.objects.get()
    assert response.url == reverse("activities:schedule_detail", args=[schedule.pk])
    # 两周一次 names no weekday: every other week on the start date's weekday (1 January of the plan year).
    expected = dt.date(YEAR, 1, 1).weekday() if weekday is None else weekday
    assert (schedule.recurrence, schedule.weekday, schedule.week_of_month) == (recurrence, expected, week_of_month)
    dates = sorted(Occurrence.objects.filter(schedule=schedule).values_list("date", flat=True))
    assert dates and all(day.weekday() == expected for day in dates)
    if recurrence == Recurrence.NTH_WEEKDAY:
        assert all(day.day <= 7 for day in dates)
    else:
        assert all((b - a).days == 14 for a, b in zip(dates, dates[1:], strict=False))


def test_a_plain_member_may_not_create_and_outsiders_get_404(org, member, outsider, login):
    plan = _plan(org)
    url = reverse("plans:recurring_activity", args=[plan.pk, "item", _item(plan).pk])
    assert login(outsider).post(url).status_code == 404
    login(member).post(url)
    assert not Schedule.objects.exists()


def test_a_new_version_keeps_the_links_and_offers_no_second_event(org, chair):
    plan = _plan(org)
    october = ScheduleEntry.objects.get(plan=plan, month_text="十月")
    event, created = events.schedule_event_create(actor=chair, entry_id=october.pk)
    schedule, _ = events.recurring_activity_create(actor=chair, plan_id=plan.pk, item_id=_item(plan).pk)
    assert created
    new = services.plan_new_version(actor=chair, plan_id=plan.pk)
    type(new).objects.filter(pk=new.pk).update(status=PlanStatus.APPROVED)
    copy = ScheduleEntry.objects.get(plan=new, month_text="十月")
    assert events.linked_events([copy.pk]) == {copy.pk: event}
    again, created_again = events.schedule_event_create(actor=chair, entry_id=copy.pk)
    assert (again, created_again) == (event, False) and Event.objects.count() == 1
    schedule.refresh_from_db()
    assert schedule.source_key == f"plans.item:{_item(new).pk}"


def test_an_entry_whose_months_are_all_past_is_refused(org, chair):
    plan = _plan(org, year=timezone.localdate().year - 1)
    entry = ScheduleEntry.objects.get(plan=plan, month_text="十月")
    with pytest.raises(PlanWorkflowError, match="月份已经过去"):
        events.schedule_event_create(actor=chair, entry_id=entry.pk)
    assert not Event.objects.exists()


def test_the_schedule_is_in_month_order_and_an_unreadable_month_says_why(org, chair, login):
    plan = _plan(org)
    page = login(chair).get(reverse("plans:detail", args=[plan.pk])).text
    positions = [page.index(text) for text in ("新春慰问", "秋季运动会", "劳动竞赛")]
    assert positions == sorted(positions)  # 元月 before 10月, the unreadable line after the dated ones
    assert "“五一前后”不是可识别的月份" in page
