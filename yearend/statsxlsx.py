"""The 工会统计年报 as a workbook in the office layout (union_office.xlsx: title, unit, period, header,
thousands separators, a bold 合计 row, frozen header): one row per 基层工会, the county's total."""

from django.utils.translation import gettext as _

from union_office.xlsx import Column, write_report

from .stats import FIGURES, YearStats


def statistics_xlsx(result: YearStats) -> bytes:
    columns = [Column(_("单位"), width=28)]
    columns += [
        Column(str(f.label), width=14, kind=f.kind, group=_("基本情况") if i < 8 else _("帮扶与经费"))
        for i, f in enumerate(FIGURES)
    ]
    columns += [
        Column(f"{a.code} {a.name}", width=14, kind="money", group=_("经费收支（按科目）")) for a in result.accounts
    ]

    def row(stats, label):
        return (
            [label] + [stats.values[f.key] for f in FIGURES] + [stats.accounts.get(a.code, 0) for a in result.accounts]
        )

    rows = [row(s, _("%(unit)s（本级）") % {"unit": s.unit.name} if s.own else s.unit.name) for s in result.units]
    totals = [None] + row(result.total, "")[1:]
    return write_report(
        title=_("%(year)s年工会统计年报") % {"year": result.year},
        unit=result.root.name,
        period=_("%(year)s年1月1日至12月31日") % {"year": result.year},
        columns=columns,
        rows=rows,
        totals=totals,
        sheet_title=_("统计年报"),
        # Dozens of columns: fitted to one page wide they print at 3 pt; across pages, full size.
        fit_width=False,
    )
