"""经费收支表 and 预算执行情况表: one line per account, sub-items under their line, section subtotals.

Both are read from aggregates (`selectors.account_totals`, `selectors.budget_rows`): a fixed
number of queries whatever the number of entries. A line with sub-items prints in bold; its
amounts are the sum of its sub-items (plus anything booked on the line itself before it had
sub-items, shown as its own row so the sub-items still add up). 收入合计 and 支出合计 are the sums
of the first-level lines above them.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_office.xlsx import Column

from .. import selectors
from ..models import Account, AccountKind, Budget, OpeningBalance
from ..money import ZERO
from .base import DATA, SECTION, SUBTOTAL, Params, Report, ReportRow, ReportSpec, chart, chinese_date, period_label
from .base import rate as completion_rate

SECTIONS = (
    (AccountKind.INCOME, gettext_lazy("一、收入"), gettext_lazy("收入合计")),
    (AccountKind.EXPENSE, gettext_lazy("二、支出"), gettext_lazy("支出合计")),
)


class IncomeExpense(ReportSpec):
    key = "income-expense"
    title = gettext_lazy("经费收支表")
    description = gettext_lazy("任意期间各收支科目的发生额及本年累计数，含明细科目和小计。")
    icon = "table"
    fields = ("period",)

    def build(self, params: Params) -> Report:
        unit, date_from, date_to = params.unit, params.date_from, params.date_to
        assert date_from is not None and date_to is not None
        totals = selectors.period_and_year_totals(unit, date_from, date_to)
        period = {pk: p for pk, (p, _y) in totals.items()}
        year_to_date = {pk: y for pk, (_p, y) in totals.items()}
        accounts = list(Account.objects.order_by("code"))
        rows: list[ReportRow] = []
        section_totals: dict[str, tuple[Decimal, Decimal]] = {}
        for kind, heading, total_label in SECTIONS:
            rows.append(ReportRow(("", str(heading), None, None), SECTION))
            total_period = total_year = ZERO
            for line, subs in chart(accounts, kind):
                amounts = [(s, period.get(s.pk, ZERO), year_to_date.get(s.pk, ZERO)) for s in subs]
                amounts = [(s, p, y) for s, p, y in amounts if s.is_active or p or y]
                own = (period.get(line.pk, ZERO), year_to_date.get(line.pk, ZERO))
                if not amounts:
                    if line.is_active or any(own):
                        rows.append(ReportRow((line.code, line.name, *own)))
                        total_period, total_year = total_period + own[0], total_year + own[1]
                    continue
                sub_rows = [ReportRow((s.code, s.name, p, y), DATA, 1) for s, p, y in amounts]
                if any(own):
                    sub_rows.append(ReportRow((line.code, _("（未列明细）"), *own), DATA, 1))
                line_period = sum((row.values[2] for row in sub_rows), ZERO)
                line_year = sum((row.values[3] for row in sub_rows), ZERO)
                rows.append(ReportRow((line.code, line.name, line_period, line_year), SUBTOTAL))
                rows.extend(sub_rows)
                total_period, total_year = total_period + line_period, total_year + line_year
            rows.append(ReportRow(("", str(total_label), total_period, total_year), SUBTOTAL))
            section_totals[kind] = (total_period, total_year)
        income, expense = section_totals[AccountKind.INCOME], section_totals[AccountKind.EXPENSE]
        balance = (income[0] - expense[0], income[1] - expense[1])
        # 上年结余 + 本年收支结余 = 本年结余, in the 本年累计数 column (the year's figures).
        opening = (
            OpeningBalance.objects.filter(org_unit=unit, year=date_to.year).values_list("amount", flat=True).first()
        )
        rows.append(ReportRow(("", _("收支结余（收入合计－支出合计）"), *balance), SUBTOTAL))
        rows.append(ReportRow(("", _("上年结余"), None, opening), SUBTOTAL))
        notes = [
            _("本年累计数为%(start)s至%(end)s。红字冲销已从发生额中扣除。")
            % {"start": chinese_date(dt.date(date_to.year, 1, 1)), "end": chinese_date(date_to)}
        ]
        if opening is None:
            notes.append(_("%(year)s年的上年结余尚未录入，本年结余无法计算。") % {"year": date_to.year})
        return Report(
            title=str(self.title),
            unit=unit,
            period=period_label(date_from, date_to),
            columns=[
                Column(_("科目编码"), width=10),
                Column(_("项目"), width=30),
                Column(_("本期数"), width=18, kind="money", group=_("金额")),
                Column(_("本年累计数"), width=18, kind="money", group=_("金额")),
            ],
            rows=rows,
            totals=["", _("本年结余（上年结余＋收支结余）"), None, None if opening is None else opening + balance[1]],
            notes=notes,
            name_column=1,
        )


class BudgetExecution(ReportSpec):
    key = "budget-execution"
    title = gettext_lazy("预算执行情况表")
    description = gettext_lazy("年度预算与实际执行对比：上年决算、本年预算、批复、调整、可用数、实际数、完成率和剩余。")
    icon = "clipboard-data"
    fields = ("year",)

    def build(self, params: Params) -> Report:
        unit, year = params.unit, params.year
        assert year is not None
        budget = Budget.objects.filter(org_unit=unit, year=year).select_related("approved_by").first()
        if budget is not None:
            budget_rows = selectors.budget_rows(budget)
        else:
            actual = selectors.totals_by_code(unit, *selectors.year_bounds(year))
            budget_rows = [
                selectors.BudgetRow(a, None, None, None, None, ZERO, actual[a.code])
                for a in Account.objects.filter(Q(is_active=True) | Q(code__in=[c for c, v in actual.items() if v]))
            ]
        by_account = {row.account.pk: row for row in budget_rows}
        accounts = [row.account for row in budget_rows]
        rows: list[ReportRow] = []
        for kind, heading, total_label in SECTIONS:
            rows.append(ReportRow(("", str(heading), *[None] * 8), SECTION))
            section = [ZERO] * 6  # 上年决算, 本年预算, 批复, 调整, 可用, 实际
            for line, subs in chart(accounts, kind):
                own = by_account[line.pk]
                sub_figures = [figures(by_account[s.pk]) for s in subs]
                if own.line is None and any(f[4] is not None for f in sub_figures):
                    # Budgeted on the sub-items only: the line's budget is theirs added up.
                    line_figures = [_sum(f[i] for f in sub_figures) for i in range(5)] + [own.actual]
                else:
                    line_figures = figures(own)
                rows.append(ReportRow(budget_values(line, line_figures), SUBTOTAL if subs else DATA))
                rows.extend(ReportRow(budget_values(s, f), DATA, 1) for s, f in zip(subs, sub_figures, strict=True))
                section = [total + (value or ZERO) for total, value in zip(section, line_figures, strict=True)]
            rows.append(ReportRow(budget_values(None, section, label=str(total_label)), SUBTOTAL))
        notes = [budget_status_note(budget, unit, year)]
        today = timezone.localdate()
        if today.year == year:
            notes.append(_("实际数截至%(day)s。") % {"day": chinese_date(today)})
        notes.append(_("可用数＝批复数（未批复时为本年预算）＋调整数；完成率＝实际数÷可用数；剩余＝可用数－实际数。"))
        money = {"width": 14, "kind": "money"}
        budget_group, actual_group = _("本年预算"), _("执行情况")
        return Report(
            title=str(self.title),
            unit=unit,
            period=_("%(year)s年度") % {"year": year},
            columns=[
                Column(_("科目编码"), width=10),
                Column(_("项目"), width=24),
                Column(_("上年决算"), **money),
                Column(_("预算数"), group=budget_group, **money),
                Column(_("批复数"), group=budget_group, **money),
                Column(_("调整数"), group=budget_group, **money),
                Column(_("可用数"), group=budget_group, **money),
                Column(_("实际数"), group=actual_group, **money),
                Column(_("完成率"), width=10, kind="percent", group=actual_group),
                Column(_("剩余"), group=actual_group, **money),
            ],
            rows=rows,
            notes=notes,
            name_column=1,
        )


def figures(row: selectors.BudgetRow) -> list[Decimal | None]:
    """上年决算, 本年预算, 批复, 调整, 可用, 实际 of one budget row (None where nothing is budgeted)."""
    if row.line is None:
        return [None, None, None, None, None, row.actual]
    return [row.previous_actual, row.planned, row.approved, row.adjusted, row.available, row.actual]


def _sum(values: Any) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def budget_values(account: Account | None, f: list[Decimal | None], label: str = "") -> tuple:
    previous, planned, approved, adjusted, available, actual = f
    actual = actual or ZERO
    remaining = None if available is None else available - actual
    name = account.name if account else label
    return (
        account.code if account else "",
        name,
        previous,
        planned,
        approved,
        adjusted,
        available,
        actual,
        completion_rate(actual, available),
        remaining,
    )


def budget_status_note(budget: Budget | None, unit: Any, year: int) -> str:
    if budget is None:
        return _("%(unit)s尚未编制%(year)s年预算，表中只有实际数。") % {"unit": unit.name, "year": year}
    if budget.approved_at:
        return _("预算状态：%(status)s（%(day)s批复）。") % {
            "status": budget.get_status_display(),
            "day": chinese_date(timezone.localdate(budget.approved_at)),
        }
    return _("预算状态：%(status)s；批复前以本年预算数为可用数。") % {"status": budget.get_status_display()}
