"""Test helpers: budgets in a given state and bookings with fewer keywords."""

import datetime as dt
from decimal import Decimal

from finance import services
from finance.models import Account, Budget, BudgetLine, BudgetStatus, LedgerEntry
from members.models import OrgUnit


def approved_budget(org_unit: OrgUnit, year: int, planned: dict[str, str]) -> Budget:
    """An approved budget with the given {account code: 本年预算} lines (no workflow, no audit)."""
    budget = Budget.objects.create(org_unit=org_unit, year=year, status=BudgetStatus.APPROVED)
    for code, amount in planned.items():
        BudgetLine.objects.create(
            budget=budget, account=Account.objects.get(code=code), planned=Decimal(amount), approved=Decimal(amount)
        )
    return budget


def book(actor, org_unit: OrgUnit, code: str, amount: str, day: dt.date, **kwargs) -> LedgerEntry:
    return services.book_entry(
        actor=actor,
        org_unit=org_unit,
        date=day,
        account=code,
        amount=amount,
        summary=kwargs.pop("summary", "测试"),
        **kwargs,
    )
