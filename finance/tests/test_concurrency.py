"""Concurrent bookings on PostgreSQL with real threads: gapless vouchers, one booking per source,
and a budget that concurrent payouts cannot overrun."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from finance import services
from finance.chart import load_chart
from finance.models import Account, LedgerEntry, MonthClose
from finance.tests.builders import approved_budget
from union_office.testing import run_at_once

DAY = dt.date(2026, 3, 2)
THREADS = 20
# A thread refused with the user's message; any other exception fails the test.
REFUSED = (services.FinanceError,)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
        "cannot be shared between threads; run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture(autouse=True)
def chart_of_accounts():
    """Transactional tests flush the database, the migration's chart included: put it back."""
    load_chart(Account)


def numbers(org_unit) -> list[int]:
    return sorted(LedgerEntry.objects.filter(org_unit=org_unit, year=2026).values_list("voucher_number", flat=True))


def test_twenty_concurrent_bookings_get_numbers_1_to_20(org, treasurer):
    def book(n: int) -> None:
        services.book_income(
            actor=treasurer, org_unit=org.school, date=DAY, account="401", amount=f"{n + 1}.00", summary=f"收入{n}"
        )

    assert all(o.ok for o in run_at_once(book, THREADS, refusals=REFUSED))
    assert numbers(org.school) == list(range(1, THREADS + 1))


def test_refused_concurrent_payouts_leave_no_gap_and_never_overrun_the_budget(org, treasurer):
    approved_budget(org.school, 2026, {"50201": "1500.00"})

    def pay(n: int) -> None:
        services.book_payout(
            actor=treasurer, org_unit=org.school, date=DAY, account="50201", amount="100.00", summary=f"帮扶{n}"
        )

    outcomes = run_at_once(pay, THREADS, refusals=REFUSED)
    assert sum(o.ok for o in outcomes) == 15
    assert all("预算余额不足" in o.message for o in outcomes if not o.ok)
    assert numbers(org.school) == list(range(1, 16))
    assert services.spent_on(org.school.pk, 2026, "50201") == Decimal("1500.00")


def test_one_source_booked_from_many_threads_is_booked_once(org, treasurer):
    def book(n: int) -> None:
        services.book_income(
            actor=treasurer,
            org_unit=org.school,
            date=DAY,
            account="403",
            amount="500.00",
            summary="上级补助",
            source_key="upper-grant:2026-03",
        )

    outcomes = run_at_once(book, 8, refusals=REFUSED)
    assert sum(o.ok for o in outcomes) == 1
    assert LedgerEntry.objects.filter(source_key="upper-grant:2026-03").count() == 1
    assert numbers(org.school) == [1]


def test_a_month_closing_while_bookings_arrive_never_takes_one_in_after_it(org, treasurer):
    def act(n: int) -> None:
        if n == 0:
            services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=3)
        else:
            services.book_income(
                actor=treasurer, org_unit=org.school, date=DAY, account="401", amount="1.00", summary=f"会费{n}"
            )

    outcomes = run_at_once(act, 10, refusals=REFUSED)
    closed = MonthClose.objects.get(org_unit=org.school, year=2026, month=3)
    booked = LedgerEntry.objects.filter(org_unit=org.school, year=2026).count()
    # Every booking either came before the closing (and is in its totals) or was refused.
    assert closed.entry_count == booked == sum(o.ok for o in outcomes) - 1
    assert numbers(org.school) == list(range(1, booked + 1))
