"""Reads of the books that check access and cost a fixed number of queries.

The aggregates (`account_totals`, `period_and_year_totals`, `totals_by_code`, `budget_rows`,
`month_rows`, `balance`) are single GROUP BY queries over the ledger's day totals (LedgerDayTotal:
one row per unit, day and account, kept by the booking service), served by their unique
(org_unit, date, account) index: their cost follows the days and accounts of the period, not the
number of entries. The reports (finance/reports/) build on them.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from members import access
from members.models import OrgUnit

from .models import (
    Account,
    AccountKind,
    Budget,
    BudgetAdjustment,
    DuesBatch,
    LedgerDayTotal,
    LedgerEntry,
    MonthClose,
    VoucherCounter,
)
from .money import ZERO, MoneySum
from .services import BOOKKEEPING_KINDS

VIEW = "finance.view_ledger"
CHANGE = "finance.change_ledger"
APPROVE = "finance.approve_budget"


def ledger_units(user: Any, perm: str = VIEW) -> QuerySet[OrgUnit]:
    """The units keeping their own books where the user holds `perm`, in tree order."""
    return access.units(user, perm).filter(kind__in=BOOKKEEPING_KINDS).order_by("path")


def visible_entries(user: Any) -> QuerySet[LedgerEntry]:
    return access.visible(
        user,
        VIEW,
        LedgerEntry.objects.select_related("account", "org_unit", "booked_by", "reverses", "reversed_by"),
    )


def entry_get(user: Any, pk: int) -> LedgerEntry:
    """An entry the user may read, or 404 (also when it does not exist)."""
    return access.get_visible_or_404(user, VIEW, visible_entries(user), pk=pk)


def budget_get(user: Any, pk: int) -> Budget:
    return access.get_visible_or_404(
        user, VIEW, Budget.objects.select_related("org_unit", "submitted_by", "approved_by"), pk=pk
    )


def visible_budgets(user: Any) -> QuerySet[Budget]:
    return access.visible(user, VIEW, Budget.objects.select_related("org_unit"))


def visible_dues_batches(user: Any) -> QuerySet[DuesBatch]:
    return access.visible(user, VIEW, DuesBatch.objects.select_related("org_unit", "entry", "created_by"))


def ledger_years(user: Any) -> list[int]:
    """Years with entries in the user's scope, plus this year; newest first.

    Read from the voucher counters (one row per unit and year that has booked a voucher), not from
    a DISTINCT over every entry.
    """
    counters = access.visible(user, VIEW, VoucherCounter.objects.filter(last_number__gt=0).order_by())
    years = set(counters.values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def account_totals(org_unit: OrgUnit, date_from: dt.date, date_to: dt.date) -> dict[int, Decimal]:
    """{account_id: net amount} booked in the period (both ends included); one query."""
    rows = (
        LedgerDayTotal.objects.filter(org_unit=org_unit, date__gte=date_from, date__lte=date_to)
        .values("account_id")
        .annotate(total=MoneySum("total"))
        .order_by()
    )
    return {row["account_id"]: row["total"] for row in rows}


def period_and_year_totals(
    org_unit: OrgUnit, date_from: dt.date, date_to: dt.date
) -> dict[int, tuple[Decimal, Decimal]]:
    """{account_id: (net amount in the period, net amount from 1 January of date_to's year to
    date_to)}: the 本期数 and 本年累计数 columns of the 经费收支表, in one query over both ranges."""
    year_start = dt.date(date_to.year, 1, 1)
    rows = (
        LedgerDayTotal.objects.filter(org_unit=org_unit, date__gte=min(date_from, year_start), date__lte=date_to)
        .values("account_id")
        .annotate(
            period=MoneySum("total", filter=Q(date__gte=date_from)),
            year=MoneySum("total", filter=Q(date__gte=year_start)),
        )
        .order_by()
    )
    return {row["account_id"]: (row["period"], row["year"]) for row in rows}


def totals_by_code(org_unit: OrgUnit, date_from: dt.date, date_to: dt.date) -> dict[str, Decimal]:
    """{account code: net amount} for every account, a parent including its sub-items; two queries."""
    by_id = account_totals(org_unit, date_from, date_to)
    accounts = list(Account.objects.only("pk", "code", "parent_id").order_by("code"))
    totals = {account.code: ZERO for account in accounts}
    for account in accounts:
        amount = by_id.get(account.pk)
        if amount:
            for code in totals:
                if account.code.startswith(code):
                    totals[code] += amount
    return totals


def balance(org_unit: OrgUnit, until: dt.date) -> Decimal:
    """Income minus expense booked up to and including `until` (经费结余, without opening balances)."""
    totals = LedgerDayTotal.objects.filter(org_unit=org_unit, date__lte=until).aggregate(
        income=MoneySum("total", filter=Q(account__kind=AccountKind.INCOME)),
        expense=MoneySum("total", filter=Q(account__kind=AccountKind.EXPENSE)),
    )
    return totals["income"] - totals["expense"]


@dataclass
class MonthRow:
    year: int
    month: int
    income: Decimal
    expense: Decimal
    count: int
    closed: MonthClose | None

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def month_rows(org_unit: OrgUnit, year: int) -> list[MonthRow]:
    """The twelve months of a year: income, expense, entries, closed or not; two queries."""
    rows = (
        LedgerDayTotal.objects.filter(org_unit=org_unit, date__range=year_bounds(year))
        .annotate(month=ExtractMonth("date"))
        .values("month")
        .annotate(
            income=MoneySum("total", filter=Q(account__kind=AccountKind.INCOME)),
            expense=MoneySum("total", filter=Q(account__kind=AccountKind.EXPENSE)),
            count=Sum("entry_count"),
        )
        .order_by()
    )
    by_month = {row["month"]: row for row in rows}
    closes = {c.month: c for c in MonthClose.objects.filter(org_unit=org_unit, year=year).select_related("closed_by")}
    last_closed = max(closes, default=0)
    result = []
    for month in range(1, 13):
        row = by_month.get(month, {})
        closed = closes.get(month)
        if closed is None and month < last_closed:
            # Months before a closed one are closed with it (nothing may be booked there).
            closed = closes[last_closed]
        result.append(
            MonthRow(year, month, row.get("income", ZERO), row.get("expense", ZERO), row.get("count", 0), closed)
        )
    return result


@dataclass
class BudgetRow:
    """One account in the budget table (预算执行情况 columns); `line` is None where nothing is budgeted."""

    account: Account
    line: Any  # BudgetLine | None
    previous_actual: Decimal | None
    planned: Decimal | None
    approved: Decimal | None
    adjusted: Decimal
    actual: Decimal
    # For a parent without a line of its own: the sum of its sub-items' adjusted budgets.
    sub_available: Decimal | None = None

    @property
    def available(self) -> Decimal | None:
        """调整后预算: 批复数 (or 本年预算 before approval) plus adjustments."""
        if self.line is None:
            return None
        base = self.approved if self.approved is not None else self.planned
        return (base or ZERO) + self.adjusted

    @property
    def remaining(self) -> Decimal | None:
        return None if self.available is None else self.available - self.actual

    @property
    def rate(self) -> Decimal | None:
        """完成率: actual / adjusted budget, None when the budget is zero."""
        if not self.available:
            return None
        return self.actual / self.available


def budget_rows(budget: Budget) -> list[BudgetRow]:
    """Every active account (and any inactive one with a line) with its budget and the year's actual.

    Actuals of a parent include its sub-items. Four queries whatever the size of the chart.
    """
    lines = {line.account_id: line for line in budget.lines.all()}
    adjusted = dict(
        BudgetAdjustment.objects.filter(line__budget=budget)
        .values("line__account_id")
        .annotate(total=MoneySum("amount"))
        .order_by()
        .values_list("line__account_id", "total")
    )
    actual = totals_by_code(budget.org_unit, *year_bounds(budget.year))
    accounts = Account.objects.filter(Q(is_active=True) | Q(pk__in=list(lines))).order_by("code")
    rows = []
    for account in accounts:
        line = lines.get(account.pk)
        rows.append(
            BudgetRow(
                account=account,
                line=line,
                previous_actual=line.previous_actual if line else None,
                planned=line.planned if line else None,
                approved=line.approved if line else None,
                adjusted=adjusted.get(account.pk, ZERO),
                actual=actual.get(account.code, ZERO),
            )
        )
    by_code = {row.account.code: row for row in rows}
    for row in rows:
        parent = by_code.get(row.account.code[:3]) if row.account.parent_id else None
        if parent is not None and parent.line is None and row.line is not None:
            parent.sub_available = (parent.sub_available or ZERO) + row.available
    return rows
