"""What every report is made of: its parameters, rows, columns and the two ways out (.xlsx, PDF).

A report is built by one `ReportSpec.build(params)` from a handful of aggregate queries (GROUP BY
over LedgerEntry.signed_amount), so its cost does not grow with the number of entries, except the
明细账, which streams its entries with `.iterator()`. The rows are plain values, numbers as Decimal;
the browser page, the .xlsx (union_office.xlsx.write_report) and the PDF all print the same rows,
so a 小计 on screen is the number in the workbook.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import OrgUnit
from union_office.xlsx import Column, TotalRow, write_report, write_report_into

from ..models import Account

# Row kinds: a plain line, a section heading (一、收入), a subtotal or a line with sub-items (bold).
DATA, SECTION, SUBTOTAL = "data", "section", "subtotal"
# The indent of a sub-item's name in the workbook (two ideographic spaces, as typed in Excel).
INDENT = "\u3000\u3000"
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Params:
    """What the report form chose; each report reads the fields it declares in `ReportSpec.fields`."""

    unit: OrgUnit
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    year: int | None = None
    account: Account | None = None
    group: str = "month"


@dataclass(slots=True)
class ReportRow:
    values: tuple
    kind: str = DATA
    level: int = 0  # 1 for a sub-item (indented under its line)


@dataclass
class Report:
    title: str
    unit: OrgUnit
    period: str
    columns: list[Column]
    rows: Iterable[ReportRow]
    totals: list[Any] | None = None
    notes: list[str] = field(default_factory=list)
    # The column whose text is indented for sub-items (the 项目 column), if any.
    name_column: int | None = None
    # Rows the browser page shows at most (the 明细账 of a year can hold 100,000 entries).
    entry_count: int | None = None

    @property
    def filename(self) -> str:
        return f"{self.unit.name}{self.title}（{self.period}）"

    def xlsx_rows(self) -> Iterator[tuple]:
        """The rows as the workbook wants them: subtotals as TotalRow, sub-items indented."""
        name = self.name_column
        for row in self.rows:
            values = row.values
            if row.level and name is not None and values[name]:
                values = (*values[:name], INDENT + values[name], *values[name + 1 :])
            yield values if row.kind == DATA else TotalRow(values)

    def _xlsx_arguments(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "unit": self.unit.name,
            "period": _("%(period)s　单位：元") % {"period": self.period},
            "columns": self.columns,
            "rows": self.xlsx_rows(),
            "totals": self.totals,
            "sheet_title": self.title[:31],
            "signatures": [str(label) for label in SIGNATURES],
            # A report of up to five columns (经费收支表, 预算执行情况表) fits a portrait page.
            "orientation": "portrait" if len(self.columns) <= PORTRAIT_COLUMNS else "landscape",
        }

    def to_xlsx(self) -> bytes:
        return write_report(**self._xlsx_arguments())

    def write_xlsx_into(self, target: IO[bytes]) -> None:
        write_report_into(target, **self._xlsx_arguments())


# The signature line at the foot of every fund report, as on the PDF (finance/reports/report_pdf.html).
SIGNATURES = (
    gettext_lazy("单位负责人："),
    gettext_lazy("经审委员会："),
    gettext_lazy("会计："),
    gettext_lazy("制表："),
)
PORTRAIT_COLUMNS = 5


class ReportSpec:
    """One kind of report. `fields` names the form fields it needs: period, year, account, group."""

    key: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    icon: ClassVar[str] = "table"
    fields: ClassVar[tuple[str, ...]] = ("period",)

    def build(self, params: Params) -> Report:
        raise NotImplementedError


def period_label(date_from: dt.date, date_to: dt.date) -> str:
    """2026年度, 2026年3月, 2026年1月至6月, or 2026年1月5日至2026年3月20日."""
    starts_month = date_from.day == 1
    ends_month = (date_to + dt.timedelta(days=1)).day == 1
    if starts_month and ends_month and date_from.year == date_to.year:
        if date_from.month == 1 and date_to.month == 12:
            return _("%(year)s年度") % {"year": date_from.year}
        if date_from.month == date_to.month:
            return _("%(year)s年%(month)s月") % {"year": date_from.year, "month": date_from.month}
        return _("%(year)s年%(first)s月至%(last)s月") % {
            "year": date_from.year,
            "first": date_from.month,
            "last": date_to.month,
        }
    return _("%(start)s至%(end)s") % {"start": chinese_date(date_from), "end": chinese_date(date_to)}


def chinese_date(day: dt.date) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {"year": day.year, "month": day.month, "day": day.day}


def rate(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part / whole to four places (a fraction: 0.4567 prints 45.67%), None without a whole."""
    if not whole:
        return None
    return (part / whole).quantize(RATE_PLACES)


def chart(accounts: list[Account], kind: str) -> list[tuple[Account, list[Account]]]:
    """The first-level lines of one kind, each with its sub-items, in code order."""
    children: dict[int, list[Account]] = {}
    for account in accounts:
        if account.parent_id is not None:
            children.setdefault(account.parent_id, []).append(account)
    return [(a, children.get(a.pk, [])) for a in accounts if a.kind == kind and a.parent_id is None]
