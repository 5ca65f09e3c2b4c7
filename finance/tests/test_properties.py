"""Property: for any ledger, every balance the selectors report equals the sum of its entries."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from finance import selectors, services
from finance.models import Account, AccountKind, LedgerEntry

pytestmark = pytest.mark.django_db

LEAVES = ["401", "402", "408", "50101", "50102", "50201", "50202", "503", "508"]
START = dt.date(2025, 1, 1)

operation = st.one_of(
    st.tuples(
        st.just("book"),
        st.sampled_from(LEAVES),
        st.integers(min_value=1, max_value=10**9),  # cents: 0.01 to 10,000,000.00
        st.integers(min_value=0, max_value=364),  # day of 2025
    ),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=10**6)),
)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_balances_equal_the_sum_of_entries(org, treasurer, settings, operations):
    settings.FINANCE_BUDGET_CHECK = "warn"  # the property is about sums; budgets are tested elsewhere
    with transaction.atomic():
        expected: dict[str, Decimal] = defaultdict(Decimal)
        booked: list[LedgerEntry] = []
        reversed_ids: set[int] = set()
        for op in operations:
            if op[0] == "book":
                _kind, code, cents, day = op
                amount = Decimal(cents) / 100
                entry = services.book_entry(
                    actor=treasurer,
                    org_unit=org.school,
                    date=START + dt.timedelta(days=day),
                    account=code,
                    amount=amount,
                    summary="随机",
                )
                booked.append(entry)
                expected[code] += amount
            else:
                candidates = [e for e in booked if e.pk not in reversed_ids]
                if not candidates:
                    continue
                original = candidates[op[1] % len(candidates)]
                services.reverse_entry(actor=treasurer, entry_id=original.pk, reason="随机冲销", date=original.date)
                reversed_ids.add(original.pk)
                expected[original.account.code] -= original.amount

        codes = dict(Account.objects.values_list("pk", "code"))
        by_account = selectors.account_totals(org.school, START, dt.date(2025, 12, 31))
        assert {codes[pk]: total for pk, total in by_account.items()} == dict(expected)

        rolled = selectors.totals_by_code(org.school, START, dt.date(2025, 12, 31))
        for code, total in rolled.items():
            assert total == sum((t for c, t in expected.items() if c.startswith(code)), Decimal(0)), code

        kinds = dict(Account.objects.values_list("code", "kind"))
        income = sum((t for c, t in expected.items() if kinds[c] == AccountKind.INCOME), Decimal(0))
        expense = sum((t for c, t in expected.items() if kinds[c] == AccountKind.EXPENSE), Decimal(0))
        assert selectors.balance(org.school, dt.date(2025, 12, 31)) == income - expense

        months = selectors.month_rows(org.school, 2025)
        assert sum((m.income for m in months), Decimal(0)) == income
        assert sum((m.expense for m in months), Decimal(0)) == expense
        count = LedgerEntry.objects.filter(org_unit=org.school).count()
        assert sum(m.count for m in months) == count
        numbers = sorted(LedgerEntry.objects.filter(org_unit=org.school).values_list("voucher_number", flat=True))
        assert numbers == list(range(1, count + 1))
        transaction.set_rollback(True)
