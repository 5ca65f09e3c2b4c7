"""Property: the summary's figures equal the sums of the records they come from, for any year.

Hypothesis generates a year of records in a school and, as noise, in a hospital and in the year
before: events with sign-ups and spending, occurrences of recurring activities with attendance,
aid paid, 慰问, bookings against a budget, new members.
The figures of the school's summary must equal what the generated records add up to.
"""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activities.models import (
    Attendance,
    AttendanceStatus,
    Event,
    EventExpense,
    EventStatus,
    Occurrence,
    OccurrenceStatus,
    Recurrence,
    Schedule,
    SignUp,
    SignUpStatus,
)
from activities.tests.factories import EventFactory
from finance import services as finance
from finance.tests.builders import approved_budget
from members.tests.factories import MemberFactory
from welfare.models import AidApplication, AidKind, AidState, Visit
from yearend import figures, services
from yearend.models import Summary

pytestmark = pytest.mark.django_db

UNITS = ["school", "branch_a", "hospital"]  # the first two count for the school
COUNTED = {"school", "branch_a"}
EXPENSE_CODES = ["50101", "50102", "503"]
INCOME_CODES = ["401", "402"]

event = st.tuples(
    st.sampled_from(UNITS),
    st.sampled_from([EventStatus.FINISHED, EventStatus.OPEN, EventStatus.CANCELLED]),
    st.integers(0, 1),  # 0: the year summarised, 1: the year before
    st.lists(st.sampled_from(SignUpStatus.values), max_size=4),
    st.lists(st.integers(1, 10**6), max_size=2),  # expenses in cents
)
occurrence = st.tuples(
    st.sampled_from(UNITS),
    st.sampled_from(OccurrenceStatus.values),
    st.integers(0, 1),
    st.lists(st.sampled_from(AttendanceStatus.values), max_size=4),
)
aid = st.tuples(st.sampled_from(UNITS), st.sampled_from(AidKind.values), st.integers(1, 10**7), st.integers(0, 1))
visit = st.tuples(st.sampled_from(UNITS), st.integers(0, 10**6), st.integers(0, 1))
booking = st.tuples(st.sampled_from(INCOME_CODES + EXPENSE_CODES), st.integers(1, 10**8), st.integers(0, 1))
joined = st.tuples(st.sampled_from(UNITS), st.integers(0, 1))


def _day(year: int, n: int) -> dt.date:
    """A day of `year`, never after today (the ledger refuses future dates)."""
    return min(dt.date(year, 1, 1) + dt.timedelta(days=n % 330), timezone.localdate())


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    year=st.sampled_from([2025, 2026]),
    events=st.lists(event, max_size=5),
    occurrences=st.lists(occurrence, max_size=5),
    aids=st.lists(aid, max_size=5),
    visits=st.lists(visit, max_size=5),
    bookings=st.lists(booking, max_size=6),
    joins=st.lists(joined, max_size=4),
    budget_cents=st.integers(0, 10**8),
)
def test_summary_figures_equal_the_sums_of_the_records(
    org, chair, treasurer, settings, year, events, occurrences, aids, visits, bookings, joins, budget_cents
):
    settings.FINANCE_BUDGET_CHECK = "warn"
    with transaction.atomic():
        units = {name: getattr(org, name) for name in UNITS}
        people = [MemberFactory(org_unit=org.branch_a, joined_on=dt.date(2010, 1, 1)) for _ in range(4)]
        budget = Decimal(budget_cents) / 100
        approved_budget(org.school, year, {"501": str(budget)})

        expected = {"event_count": 0, "held_count": 0, "signed": 0, "attended": 0, "spent": Decimal(0)}
        by_code: dict[str, Decimal] = defaultdict(Decimal)
        for n, (unit, status, before, signups, expenses) in enumerate(events):
            when = timezone.make_aware(dt.datetime.combine(_day(year - before, n * 37), dt.time(9)))
            e = EventFactory(org_unit=units[unit], starts_at=when, status=status)
            for person, signup_status in zip(people, signups, strict=False):
                SignUp.objects.create(event=e, member=person, status=signup_status, queued_at=when)
            counts = unit in COUNTED and not before and status != EventStatus.CANCELLED
            for cents in expenses:
                amount = Decimal(cents) / 100
                entry = finance.book_entry(
                    actor=treasurer, org_unit=org.school, date=when.date(), account="50101", amount=amount, summary="x"
                )
                EventExpense.objects.create(
                    event=e, entry=entry, amount=amount, date=when.date(), summary="活动", booked_by=treasurer
                )
                if not before:
                    by_code["501"] += amount
                if counts:
                    expected["spent"] += amount
            if counts:
                taken = Counter(signups[: len(people)])
                expected["event_count"] += 1
                expected["held_count"] += status == EventStatus.FINISHED
                expected["signed"] += taken[SignUpStatus.SIGNED_UP] + taken[SignUpStatus.CHECKED_IN]
                expected["attended"] += taken[SignUpStatus.CHECKED_IN]

        recurring = {"occurrence_count": 0, "occurrence_signed": 0, "occurrence_attended": 0}
        schedules: dict[str, Schedule] = {}
        for n, (unit, status, before, attendances) in enumerate(occurrences):
            day = _day(year - before, n * 31)
            if unit not in schedules:
                schedules[unit] = Schedule.objects.create(
                    title=f"{unit}健身",
                    org_unit=units[unit],
                    recurrence=Recurrence.WEEKLY,
                    weekday=0,
                    start_time=dt.time(17),
                    end_time=dt.time(18),
                    starts_on=dt.date(year - 1, 1, 1),
                )
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(17)))
            o = Occurrence.objects.create(
                schedule=schedules[unit], date=day, starts_at=when, ends_at=when + dt.timedelta(hours=1), status=status
            )
            for person, attendance in zip(people, attendances, strict=False):
                checked_in = when if attendance == AttendanceStatus.CHECKED_IN else None
                Attendance.objects.create(
                    occurrence=o, member=person, status=attendance, queued_at=when, checked_in_at=checked_in
                )
            if unit in COUNTED and not before and status != OccurrenceStatus.CANCELLED:
                taken = Counter(attendances[: len(people)])
                recurring["occurrence_count"] += 1
                recurring["occurrence_signed"] += taken[AttendanceStatus.SIGNED_UP] + taken[AttendanceStatus.CHECKED_IN]
                recurring["occurrence_attended"] += taken[AttendanceStatus.CHECKED_IN]

        aid_expected: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
        for n, (unit, kind, cents, before) in enumerate(aids):
            amount = Decimal(cents) / 100
            day = _day(year - before, n * 53)
            entry = finance.book_entry(
                actor=treasurer, org_unit=org.school, date=day, account="50201", amount=amount, summary="帮扶"
            )
            AidApplication.objects.create(
                member=people[0],
                org_unit=units[unit],
                kind=kind,
                amount_requested=amount,
                amount_granted=amount,
                reason="生活困难",
                state=AidState.PAID,
                paid_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
                ledger_entry=entry,
                created_by=treasurer,
            )
            if not before:
                by_code["502"] += amount
            if unit in COUNTED and not before:
                aid_expected[str(AidKind(kind).label)][0] += 1
                aid_expected[str(AidKind(kind).label)][1] += amount

        visit_count, visit_amount = 0, Decimal(0)
        for n, (unit, cents, before) in enumerate(visits):
            amount = Decimal(cents) / 100
            Visit.objects.create(
                member=people[1],
                org_unit=units[unit],
                kind="illness",
                cause="住院",
                visited_on=_day(year - before, n * 29),
                amount=amount,
                visitors="主席",
                created_by=treasurer,
            )
            if unit in COUNTED and not before:
                visit_count += 1
                visit_amount += amount

        for n, (code, cents, before) in enumerate(bookings):
            amount = Decimal(cents) / 100
            finance.book_entry(
                actor=treasurer,
                org_unit=org.school,
                date=_day(year - before, n * 41),
                account=code,
                amount=amount,
                summary="随机",
            )
            if not before:
                by_code[code[:3]] += amount

        joined_count = 0
        for n, (unit, before) in enumerate(joins):
            MemberFactory(org_unit=units[unit], joined_on=_day(year - before, n * 13))
            joined_count += unit in COUNTED and not before

        summary = services.summary_draft(actor=chair, org_unit=org.school, year=year)
        got = {section.key: section.figures for section in summary.sections.all()}

        activities = got["activities"]
        assert activities["event_count"] == expected["event_count"]
        assert activities["held_count"] == expected["held_count"]
        assert activities["signed"] == expected["signed"]
        assert activities["attended"] == expected["attended"]
        assert Decimal(activities["spent"]) == expected["spent"]
        assert activities["attendance"] == figures.percent(expected["attended"], expected["signed"])
        for key, value in recurring.items():
            assert activities[key] == value, key
        assert activities["occurrence_attendance"] == figures.percent(
            recurring["occurrence_attended"], recurring["occurrence_signed"]
        )
        assert sum(row["occurrences"] for row in activities["recurring"]) == recurring["occurrence_count"]

        welfare = got["welfare"]
        assert {row["kind"]: [row["count"], Decimal(row["amount"])] for row in welfare["aid"]} == dict(aid_expected)
        assert welfare["aid_count"] == sum(c for c, _ in aid_expected.values())
        assert welfare["visit_count"] == visit_count
        assert Decimal(welfare["visit_amount"]) == visit_amount

        finance_lines = {line["code"]: line for line in got["finance"]["lines"]}
        for code, amount in by_code.items():
            assert Decimal(finance_lines[code]["actual"]) == amount, code
        assert set(finance_lines) == set(by_code) | ({"501"} if budget else set())
        if budget:
            assert Decimal(finance_lines["501"]["budget"]) == budget
            assert finance_lines["501"]["rate"] == figures.percent(by_code["501"], budget)
        income = sum((a for c, a in by_code.items() if c.startswith("4")), Decimal(0))
        assert Decimal(got["finance"]["income"]) == income
        assert Decimal(got["finance"]["expense"]) == sum(by_code.values(), Decimal(0)) - income

        # chair, treasurer and the four people are members of the school too (joined 2010/2015).
        assert got["membership"]["joined"] == joined_count
        transaction.set_rollback(True)


def test_the_counted_events_are_the_year_s(org, chair):
    """A cancelled event and one of another unit are not counted (an example of the property)."""
    now = timezone.now()
    EventFactory(org_unit=org.school, title="三八节活动", starts_at=now, status=EventStatus.FINISHED)
    EventFactory(org_unit=org.school, title="取消的活动", starts_at=now, status=EventStatus.CANCELLED)
    EventFactory(org_unit=org.hospital, title="医院的活动", starts_at=now, status=EventStatus.FINISHED)
    data = figures.activities_figures(org.school, now.year)
    assert [e["title"] for e in data["events"]] == ["三八节活动"]
    assert Event.objects.count() == 3
    assert Summary.objects.count() == 0
