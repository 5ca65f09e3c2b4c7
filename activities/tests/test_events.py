"""Events: creating with the rules checked, the workflow table, 比赛项目 and rankings."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from activities import services, workflow
from activities.models import Eligibility, Event, EventStatus, SubEvent
from activities.services import ActivityError
from union_office.models import AuditEntry

from .factories import EventFactory, person

SOON = timezone.now() + dt.timedelta(days=10)


def _create(actor, unit, **values):
    base = {"title": "三八节趣味活动", "starts_at": SOON, "ends_at": SOON + dt.timedelta(hours=2)}
    return services.event_create(actor=actor, org_unit=unit, **(base | values))


def test_create_picks_the_expense_line_from_the_kind_and_is_audited(chair, org):
    event = _create(chair, org.school, kind=Event.Kind.SPORTS_DAY)
    assert event.account.code == "50101" and event.status == EventStatus.PLANNED and event.organiser == chair
    assert AuditEntry.objects.filter(action="activities.event.create", object_id=str(event.pk)).exists()
    assert _create(chair, org.school, kind=Event.Kind.RETREAT).account.code == "50102"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ends_at": SOON - dt.timedelta(hours=1)}, "ends_at", "结束时间不能早于开始时间。"),
        ({"signup_closes_at": SOON + dt.timedelta(hours=1)}, "signup_closes_at", "报名截止时间不能晚于活动开始时间。"),
        ({"title": "  "}, "title", "请填写活动名称。"),
        ({"capacity": 0}, "capacity", "名额至少为 1；不限名额请留空。"),
        ({"eligibility": Eligibility.UNITS}, "eligible_units", "请至少选择一个单位"),
    ],
)
def test_bad_values_are_refused_field_by_field(chair, org, values, field, message):
    with pytest.raises(ActivityError) as refused:
        _create(chair, org.school, **values)
    assert message in refused.value.error_dict[field][0].message
    assert not Event.objects.exists()


def test_chosen_units_must_lie_inside_the_events_unit(committee, org):
    with pytest.raises(ActivityError, match="高二年级分工会 不是"):
        _create(committee, org.branch_a, eligibility=Eligibility.UNITS, eligible_units=[org.branch_b])


def test_who_may_organise(member, committee, treasurer, org):
    with pytest.raises(PermissionDenied):
        _create(member, org.school)
    with pytest.raises(PermissionDenied):
        _create(treasurer, org.school)
    with pytest.raises(PermissionDenied):  # 分工会 A's committee member, not the school's
        _create(committee, org.school)
    assert _create(committee, org.branch_a).org_unit == org.branch_a


@pytest.mark.parametrize("status", EventStatus.values)
@pytest.mark.parametrize("action", sorted({t.action for t in workflow.EVENT_TRANSITIONS}))
def test_every_move_is_allowed_exactly_as_the_table_says(chair, org, status, action):
    event = EventFactory(org_unit=org.school, status=status)
    move = workflow.find(workflow.EVENT_TRANSITIONS, action, status)
    if move is None:
        with pytest.raises(ActivityError, match="不能执行此操作"):
            services.event_transition(actor=chair, event_id=event.pk, action=action, reason="下雨")
        return
    event = services.event_transition(actor=chair, event_id=event.pk, action=action, reason="下雨")
    assert event.status == move.target


def test_cancelling_needs_a_reason(chair, org):
    event = EventFactory(org_unit=org.school)
    with pytest.raises(ActivityError, match="请填写取消活动的原因"):
        services.event_transition(actor=chair, event_id=event.pk, action="cancel")


def test_items_and_rankings(chair, org):
    event = EventFactory(org_unit=org.school, kind=Event.Kind.SPORTS_DAY)
    tug = services.sub_event_add(actor=chair, event_id=event.pk, name="拔河", capacity=20)
    with pytest.raises(ActivityError, match="已有名为“拔河”"):
        services.sub_event_add(actor=chair, event_id=event.pk, name="拔河")
    runners = [person(org.branch_b, name=n) for n in ("甲", "乙")]
    entries = []
    for runner in runners:
        signup = services.signup_create(actor=runner.user, event_id=event.pk)
        entries.append(services.item_enter(actor=runner.user, signup_id=signup.pk, sub_event_id=tug.pk))
    with pytest.raises(ActivityError, match="还没有开始"):
        services.result_record(actor=chair, entry_id=entries[0].pk, rank=1)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1), status="running")
    services.result_record(actor=chair, entry_id=entries[1].pk, result="第一", rank=1)
    services.result_record(actor=chair, entry_id=entries[0].pk, result="第二", rank=2)
    from activities.selectors import rankings

    (item,) = rankings(event)
    assert [(e.rank, e.signup.member.name) for e in item.entries.all()] == [(1, "乙"), (2, "甲")]
    assert SubEvent.objects.get(pk=tug.pk).entries.count() == 2
