"""创建活动 on a 活动安排 entry (issue 6, item 6): prefilled, linked both ways, made once, and only by
those who may organise events at the plan's unit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Eligibility, Event, EventKind
from activities.sources import source_link
from members.models import Member
from plans import events
from plans.models import ItemStatus, PlanStatus, ScheduleEntry
from plans.services import PlanWorkflowError
from plans.tests.builders import build_plan
from union_office.testing import run_at_once

YEAR = 2030  # a year ahead, so the entry's month is not yet past: the event starts on the 1st
TREE = [
    {
        "title": "女职工工作",
        "items": [{"content": "组织三八妇女节活动，评选巾帼标兵", "deadline_text": "3月", "owner_text": "chair"}],
    }
]
SCHEDULE = [("三月", "三八妇女节活动"), ("全年", "职工读书活动")]


def _plan(org, status=PlanStatus.APPROVED, **kwargs):
    plan = build_plan(org.school, year=YEAR, status=status, tree=TREE, schedule=SCHEDULE, **kwargs)
    ScheduleEntry.objects.filter(plan=plan, month_text="三月").update(month_start=3, month_end=3)
    return plan


def _entry(plan, month="三月"):
    return ScheduleEntry.objects.get(plan=plan, month_text=month)


def test_chair_creates_the_event_prefilled_and_linked_both_ways(chair, org, login):
    plan = _plan(org)
    owner = Member.objects.get(user=chair)
    plan.sections.get().items.update(owner=owner)
    entry = _entry(plan)
    client = login(chair)

    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("plans:schedule_event", args=[plan.pk, entry.pk]) in page
    # An entry without a month that can be read gets no button.
    assert reverse("plans:schedule_event", args=[plan.pk, _entry(plan, "全年").pk]) not in page

    response = client.post(reverse("plans:schedule_event", args=[plan.pk, entry.pk]))
    event = Event.objects.get()
    assert response.url == reverse("activities:event_detail", args=[event.pk])
    assert event.source_key == f"plans.scheduleentry:{entry.pk}"
    assert (event.title, event.kind, event.eligibility) == ("三八妇女节活动", EventKind.WOMENS_DAY, Eligibility.WOMEN)
    assert (event.org_unit, event.status, event.organiser) == (org.school, "planned", chair)
    assert timezone.localtime(event.starts_at) == timezone.make_aware(dt.datetime(YEAR, 3, 1, 9, 0))
    assert timezone.localtime(event.ends_at) == timezone.make_aware(dt.datetime(YEAR, 3, 1, 17, 0))
    assert event.responsible == owner  # the 责任人 of the item about the same activity
    assert plan.title in event.description

    # The event page names the plan entry, with a link back; the plan page links the event.
    page = client.get(response.url).content.decode()
    assert f'href="{reverse("plans:detail", args=[plan.pk])}#schedule-{entry.pk}"' in page
    assert f"《{plan.title}》活动安排 · 三月" in page
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("activities:event_detail", args=[event.pk]) in page
    assert reverse("plans:schedule_event", args=[plan.pk, entry.pk]) not in page


def test_a_second_click_opens_the_same_event(chair, org, login):
    plan = _plan(org)
    entry = _entry(plan)
    client = login(chair)
    url = reverse("plans:schedule_event", args=[plan.pk, entry.pk])
    first, second = client.post(url), client.post(url)
    assert Event.objects.count() == 1
    assert first.url == second.url == reverse("activities:event_detail", args=[Event.objects.get().pk])
    event, created = events.schedule_event_create(actor=chair, entry_id=entry.pk)
    assert not created and Event.objects.count() == 1


def test_only_event_organisers_of_the_unit_may_create(chair, member, outsider, committee, org, login, client):
    plan = _plan(org)
    url = reverse("plans:schedule_event", args=[plan.pk, _entry(plan).pk])
    # A member of the school reads the plan but may not organise: 403, and no button.
    assert login(member).post(url).status_code == 403
    assert url not in client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    # A committee member of 分工会 A organises below the school, not at it: 403.
    assert login(committee).post(url).status_code == 403
    # The hospital's member does not even learn that the plan exists.
    assert login(outsider).post(url).status_code == 404
    assert not Event.objects.exists()
    # An entry of another plan under this plan's URL: 404.
    other = _plan(org, version=2)
    assert login(chair).post(reverse("plans:schedule_event", args=[plan.pk, _entry(other).pk])).status_code == 404


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.REVIEW, PlanStatus.ARCHIVED])
def test_only_approved_or_running_plans_make_events(chair, org, login, status):
    plan = _plan(org, status=status)
    with pytest.raises(PlanWorkflowError, match="只有已批准或执行中的计划"):
        events.schedule_event_create(actor=chair, entry_id=_entry(plan).pk)
    response = login(chair).post(reverse("plans:schedule_event", args=[plan.pk, _entry(plan).pk]), follow=True)
    assert "只有已批准或执行中的计划" in response.content.decode()
    assert not Event.objects.exists()


def test_an_entry_without_a_month_is_refused_with_a_message(chair, org):
    plan = _plan(org)
    with pytest.raises(PlanWorkflowError, match="没有可识别的月份"):
        events.schedule_event_create(actor=chair, entry_id=_entry(plan, "全年").pk)


def test_the_back_link_is_hidden_from_who_may_not_read_the_plan(chair, outsider, org):
    plan = _plan(org)
    event, _ = events.schedule_event_create(actor=chair, entry_id=_entry(plan).pk)
    assert source_link(chair, event).url.startswith(reverse("plans:detail", args=[plan.pk]))
    assert source_link(outsider, event) is None
    event.source_key = "plans.scheduleentry:not-a-number"
    assert source_link(chair, event) is None


def test_the_plan_page_costs_the_same_with_more_linked_events(chair, org, login):
    plan = _plan(org)
    client = login(chair)
    events.schedule_event_create(actor=chair, entry_id=_entry(plan).pk)
    url = reverse("plans:detail", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for month in range(4, 9):
        entry = ScheduleEntry.objects.create(
            plan=plan,
            position=month,
            month_text=f"{month}月",
            month_start=month,
            month_end=month,
            activity=f"活动{month}",
        )
        events.schedule_event_create(actor=chair, entry_id=entry.pk)
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(six) == len(one)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_two_clicks_at_once_make_one_event(chair, org):
    from finance.chart import load_chart
    from finance.models import Account

    load_chart(Account)  # a transactional test starts from emptied tables
    entry = _entry(_plan(org))
    # [1]: "created"; the second click must find the first one's event, not fail.
    outcomes = run_at_once(lambda n: events.schedule_event_create(actor=chair, entry_id=entry.pk)[1], 2, refusals=())
    assert sorted(o.value for o in outcomes) == [False, True]
    assert Event.objects.filter(source_key=events.source_key(entry.pk)).count() == 1


def test_a_cancelled_item_names_no_responsible(chair, org):
    plan = _plan(org)
    owner = Member.objects.get(user=chair)
    plan.sections.get().items.update(owner=owner, status=ItemStatus.CANCELLED)
    event, _ = events.schedule_event_create(actor=chair, entry_id=_entry(plan).pk)
    assert event.responsible is None
