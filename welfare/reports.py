"""帮扶资金发放情况: the aid given in a year by type and unit (aid paid + 慰问), page and Excel."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from finance.money import MoneySum
from union_office.xlsx import Column, write_report

from . import selectors
from .models import AidKind, AidState, VisitKind

ZERO = Decimal("0.00")


@dataclass
class Row:
    unit: str
    category: str  # 帮扶 / 慰问
    kind: str
    count: int
    amount: Decimal


@dataclass
class AidGiven:
    year: int
    rows: list[Row] = field(default_factory=list)

    @property
    def total_count(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def total_amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)


def aid_given(user: Any, year: int) -> AidGiven:
    """Two GROUP BY queries over the records the user may read; units and kinds in a stable order."""
    report = AidGiven(year)
    aid_labels = dict(AidKind.choices)
    visit_labels = dict(VisitKind.choices)
    paid = (
        selectors.applications_visible(user)
        .filter(state=AidState.PAID, paid_at__year=year)
        .values("org_unit__path", "org_unit__name", "kind")
        .annotate(n=Count("pk"), total=MoneySum("amount_granted"))
        .order_by("org_unit__path", "kind")
    )
    visits = (
        selectors.visits_visible(user)
        .filter(visited_on__year=year)
        .values("org_unit__path", "org_unit__name", "kind")
        .annotate(n=Count("pk"), total=MoneySum("amount"))
        .order_by("org_unit__path", "kind")
    )
    rows = [
        (
            r["org_unit__path"],
            0,
            Row(r["org_unit__name"], _("帮扶救助"), str(aid_labels[r["kind"]]), r["n"], r["total"]),
        )
        for r in paid
    ] + [
        (r["org_unit__path"], 1, Row(r["org_unit__name"], _("慰问"), str(visit_labels[r["kind"]]), r["n"], r["total"]))
        for r in visits
    ]
    rows.sort(key=lambda item: (item[0], item[1]))
    report.rows = [row for _path, _order, row in rows]
    return report


def aid_given_xlsx(report: AidGiven) -> bytes:
    columns = [
        Column(_("单位"), 24),
        Column(_("类别"), 10),
        Column(_("类型"), 14),
        Column(_("人次"), 8, "int"),
        Column(_("金额（元）"), 14, "money"),
    ]
    rows = [[r.unit, r.category, r.kind, r.count, r.amount] for r in report.rows]
    return write_report(
        title=_("帮扶资金发放情况"),
        unit=_("本人负责的单位"),
        period=_("%(year)s年") % {"year": report.year},
        columns=columns,
        rows=rows,
        totals=[_("合计"), "", "", report.total_count, report.total_amount],
        sheet_title=_("帮扶发放"),
        orientation="portrait",
    )
