"""Event money: payouts through finance on the right line and books, policy rules that warn or block."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from activities import services
from activities.models import Event, EventExpense, PolicyRule
from activities.services import ActivityError
from finance.models import LedgerEntry
from finance.services import FinanceError
from finance.tests.builders import approved_budget

from .builders import build_event, person

TODAY = timezone.localdate()


@pytest.fixture
def budget(org):
    return approved_budget(org.school, TODAY.year, {"50101": "20000.00", "50102": "50000.00"})


def _retreat(org, days=2, **values):
    starts = timezone.now() + dt.timedelta(days=20)
    return build_event(
        org.school,
        kind=Event.Kind.RETREAT,
        title="优秀教师疗休养",
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=days - 1),
        **values,
    )


def test_a_branch_events_payout_is_booked_on_the_base_unions_books(treasurer, budget, org):
    event = build_event(org.branch_b, kind=Event.Kind.SPORTS_DAY, title="高二趣味运动会")
    expense = services.expense_book(actor=treasurer, event_id=event.pk, amount="1200.00", date=TODAY, summary="奖品")
    entry = LedgerEntry.objects.get(pk=expense.entry_id)
    assert (entry.org_unit, entry.account.code, entry.amount) == (org.school, "50101", Decimal("1200.00"))
    assert entry.summary == "高二趣味运动会：奖品"
    assert entry.source_type.model == "event" and entry.source_id == str(event.pk)
    assert expense.warnings == []


def test_only_the_treasurer_of_the_books_pays(chair, member, budget, org):
    event = build_event(org.school)
    for user in (chair, member):
        with pytest.raises(PermissionDenied):
            services.expense_book(actor=user, event_id=event.pk, amount="10", date=TODAY, summary="水")
    assert not LedgerEntry.objects.exists()


def test_a_refused_booking_leaves_nothing_behind(treasurer, org, settings):
    settings.FINANCE_BUDGET_CHECK = "block"
    event = build_event(org.school)  # no budget approved for the year: finance refuses
    with pytest.raises(FinanceError, match="预算尚未批复"):
        services.expense_book(actor=treasurer, event_id=event.pk, amount="10", date=TODAY, summary="水")
    assert not EventExpense.objects.exists() and not LedgerEntry.objects.exists()


def test_the_same_form_posted_twice_books_once(treasurer, budget, org):
    event = build_event(org.school)
    services.expense_book(actor=treasurer, event_id=event.pk, amount="10", date=TODAY, summary="水", token="abc")
    with pytest.raises(FinanceError, match="已经记过账"):
        services.expense_book(actor=treasurer, event_id=event.pk, amount="10", date=TODAY, summary="水", token="abc")
    assert LedgerEntry.objects.count() == 1


def test_retreat_over_400_per_person_per_day_warns_and_is_booked(treasurer, budget, org):
    PolicyRule.objects.create(
        org_unit=org.county,
        event_kind=Event.Kind.RETREAT,
        rule=PolicyRule.Kind.MAX_PER_PERSON_DAY,
        limit=Decimal("400"),
        note="县总工会规定",
    )
    event = _retreat(org, days=2)
    for name in ("甲", "乙"):
        services.signup_create(actor=person(org.school, name=name).user, event_id=event.pk)
    expense = services.expense_book(actor=treasurer, event_id=event.pk, amount="1800.00", date=TODAY, summary="住宿")
    assert expense.warnings == [
        "疗休养每人每天不得超过 400.00 元：支出合计 1800.00 元，2 人 × 2 天，每人每天 450.00 元。"
        "（县总工会：县总工会规定）"
    ]
    assert LedgerEntry.objects.count() == 1


def test_retreat_within_the_limit_does_not_warn(treasurer, budget, org):
    PolicyRule.objects.create(
        org_unit=org.school,
        event_kind=Event.Kind.RETREAT,
        rule=PolicyRule.Kind.MAX_PER_PERSON_DAY,
        limit=Decimal("400"),
    )
    event = _retreat(org, days=2)
    services.signup_create(actor=person(org.school).user, event_id=event.pk)
    assert (
        services.expense_book(actor=treasurer, event_id=event.pk, amount="800.00", date=TODAY, summary="住宿").warnings
        == []
    )


def test_retreat_longer_than_two_days_warns_on_creation(chair, org):
    PolicyRule.objects.create(
        org_unit=org.school, event_kind=Event.Kind.RETREAT, rule=PolicyRule.Kind.MAX_DAYS, limit=Decimal("2")
    )
    starts = timezone.now() + dt.timedelta(days=30)
    event = services.event_create(
        actor=chair,
        org_unit=org.school,
        title="疗休养",
        kind=Event.Kind.RETREAT,
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=2),
    )
    assert event.policy_warnings == ["疗休养不得超过 2 天，本活动为 3 天。（第一中学工会）"]


def test_checkup_paid_by_the_employer_is_blocked(treasurer, chair, budget, org):
    PolicyRule.objects.create(
        org_unit=org.school,
        event_kind=Event.Kind.CHECKUP,
        rule=PolicyRule.Kind.NO_UNION_FUNDS,
        severity=PolicyRule.Severity.BLOCK,
    )
    event = build_event(org.school, kind=Event.Kind.CHECKUP, title="年度体检")
    with pytest.raises(ActivityError) as refused:
        services.expense_book(actor=treasurer, event_id=event.pk, amount="300", date=TODAY, summary="体检费")
    assert refused.value.messages == ["体检费用应由单位（行政）承担，不得使用工会经费。（第一中学工会）"]
    assert not LedgerEntry.objects.exists()
    # A budget on such an event is refused when the event is planned, too.
    with pytest.raises(ActivityError, match="不得使用工会经费"):
        services.event_update(actor=chair, event_id=event.pk, budget=Decimal("5000"))


def test_over_the_events_budget_warns(treasurer, budget, org):
    event = build_event(org.school, budget=Decimal("500.00"))
    services.expense_book(actor=treasurer, event_id=event.pk, amount="400", date=TODAY, summary="场地")
    expense = services.expense_book(actor=treasurer, event_id=event.pk, amount="200", date=TODAY, summary="饮料")
    assert expense.warnings == ["活动支出合计 600.00 元，已超出活动预算 500.00 元。"]


def test_rules_are_set_through_the_service_and_audited(chair, member, org):
    rule = services.policy_rule_create(
        actor=chair,
        org_unit=org.school,
        event_kind=Event.Kind.RETREAT,
        rule=PolicyRule.Kind.MAX_DAYS,
        limit=Decimal("2"),
        reason="主席办公会",
    )
    assert rule.severity == PolicyRule.Severity.WARN
    with pytest.raises(ActivityError, match="限额"):
        services.policy_rule_create(
            actor=chair, org_unit=org.school, event_kind=Event.Kind.RETREAT, rule=PolicyRule.Kind.MAX_DAYS, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.policy_rule_delete(actor=member, rule_id=rule.pk, reason="x")


def test_a_reversed_payout_no_longer_counts(treasurer, budget, org):
    from activities.services.money import spent
    from finance.services import reverse_entry

    event = build_event(org.school, budget=Decimal("500.00"))
    first = services.expense_book(actor=treasurer, event_id=event.pk, amount="400", date=TODAY, summary="场地")
    reverse_entry(actor=treasurer, entry_id=first.entry_id, reason="记错金额")
    assert spent(event) == Decimal("0.00")
    second = services.expense_book(actor=treasurer, event_id=event.pk, amount="300", date=TODAY, summary="场地")
    assert second.warnings == [] and spent(event) == Decimal("300.00")
