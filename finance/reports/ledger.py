"""明细账: the entries of one account (a line with its sub-items) in a period of one year.

Laid out as a bookkeeper's 三栏式明细账: 日期, 凭证号, 摘要, 对方, 借方, 贷方, 借或贷, 余额, opening
with 期初余额 (booked earlier in the year) and closing each month with 本月合计 and 本年累计. An
income account's entries are 贷, an expense account's 借; a 红字冲销 is a negative amount in the
same column. Income and expense accounts are nominal: the book of a year starts from zero.

The entries are streamed (`.iterator()`, a server-side cursor on PostgreSQL): a year of 100,000
entries is written to .xlsx without holding them (bench/finance_reports.py). The opening balance
and the period's totals come from one aggregate query, so the 本期合计 row is the database's sum.
"""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_office.xlsx import Column

from ..models import AccountKind, LedgerEntry
from ..money import ZERO
from .base import DATA, SUBTOTAL, Params, Report, ReportRow, ReportSpec, period_label

CHUNK = 2_000


class AccountLedger(ReportSpec):
    key = "account-ledger"
    title = gettext_lazy("明细账")
    description = gettext_lazy("一个科目（含明细科目）逐笔登记的明细账：期初余额、逐笔余额、本月合计和本年累计。")
    icon = "journal-text"
    fields = ("account", "period")

    def build(self, params: Params) -> Report:
        unit, account, date_from, date_to = params.unit, params.account, params.date_from, params.date_to
        assert account is not None and date_from is not None and date_to is not None
        if date_from.year != date_to.year:
            raise ValueError("a 明细账 covers one fiscal year")
        entries = LedgerEntry.objects.filter(org_unit=unit, account__code__startswith=account.code)
        sums = entries.filter(date__gte=dt.date(date_from.year, 1, 1), date__lte=date_to).aggregate(
            opening=Coalesce(Sum("signed_amount", filter=Q(date__lt=date_from)), ZERO),
            period=Coalesce(Sum("signed_amount", filter=Q(date__gte=date_from)), ZERO),
            count=Count("pk", filter=Q(date__gte=date_from)),
        )
        has_subs = account.parent_id is None and account.children.exists()
        debit = account.kind == AccountKind.EXPENSE
        columns = [
            Column(_("日期"), width=12, kind="date"),
            Column(_("凭证号"), width=11),
            Column(_("摘要"), width=34),
            Column(_("对方单位/个人"), width=18),
            *([Column(_("明细科目"), width=14)] if has_subs else []),
            Column(_("借方"), width=15, kind="money"),
            Column(_("贷方"), width=15, kind="money"),
            Column(_("借或贷"), width=7),
            Column(_("余额"), width=15, kind="money"),
        ]
        closing = sums["opening"] + sums["period"]
        totals = [
            None,
            "",
            _("本期合计"),
            "",
            *([""] if has_subs else []),
            *_sides(sums["period"], debit),
            *_balance(closing, debit),
        ]
        rows = _rows(
            entries.filter(date__gte=date_from, date__lte=date_to),
            opening=sums["opening"],
            date_from=date_from,
            debit=debit,
            has_subs=has_subs,
        )
        return Report(
            title=_("%(account)s明细账") % {"account": account.name},
            unit=unit,
            period=period_label(date_from, date_to),
            columns=columns,
            rows=rows,
            totals=totals,
            notes=[
                _("科目：%(code)s %(name)s（%(kind)s）")
                % {"code": account.code, "name": account.name, "kind": account.get_kind_display()}
            ],
            entry_count=sums["count"],
        )


def _sides(amount: Decimal, debit: bool) -> tuple[Decimal | None, Decimal | None]:
    """(借方, 贷方) of an amount booked on an expense (借) or income (贷) account."""
    return (amount, None) if debit else (None, amount)


def _balance(balance: Decimal, debit: bool) -> tuple[str, Decimal]:
    """(借或贷, 余额): the side the balance stands on and its size; 平 at zero."""
    if not balance:
        return _("平"), ZERO
    on_normal_side = balance > 0
    side = (_("借") if debit else _("贷")) if on_normal_side else (_("贷") if debit else _("借"))
    return side, abs(balance)


def _rows(entries, *, opening: Decimal, date_from: dt.date, debit: bool, has_subs: bool) -> Iterator[ReportRow]:
    sub = ("",) if has_subs else ()
    balance = opening  # also the 本年累计: the period starts inside the year, after the opening
    yield ReportRow((date_from, "", _("期初余额"), "", *sub, None, None, *_balance(balance, debit)))
    query = entries.order_by("date", "voucher_number").values_list(
        "date", "year", "voucher_number", "summary", "counterparty", "signed_amount", "account__name"
    )
    month: tuple[int, int] | None = None
    month_total = ZERO
    month_end = date_from
    for day, year, number, summary, counterparty, amount, account_name in query.iterator(chunk_size=CHUNK):
        if (day.year, day.month) != month:
            if month is not None:
                yield from _month_rows(month_end, month_total, balance, debit, sub)
            month, month_total = (day.year, day.month), ZERO
        balance += amount
        month_total += amount
        month_end = day
        yield ReportRow(
            (
                day,
                f"{year}-{number:04d}",
                summary,
                counterparty,
                *((account_name,) if has_subs else ()),
                *_sides(amount, debit),
                *_balance(balance, debit),
            ),
            DATA,
        )
    if month is not None:
        yield from _month_rows(month_end, month_total, balance, debit, sub)


def _month_rows(day: dt.date, month_total: Decimal, balance: Decimal, debit: bool, sub: tuple) -> Iterator[ReportRow]:
    # An income or expense account's balance is what was booked since 1 January: the 本年累计.
    side_balance = _balance(balance, debit)
    yield ReportRow(
        (
            None,
            "",
            _("%(month)s月 本月合计") % {"month": day.month},
            "",
            *sub,
            *_sides(month_total, debit),
            *side_balance,
        ),
        SUBTOTAL,
    )
    yield ReportRow((None, "", _("本年累计"), "", *sub, *_sides(balance, debit), *side_balance), SUBTOTAL)
