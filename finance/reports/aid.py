"""帮扶资金使用情况: what was paid from 502 维权支出 (困难职工帮扶, 送温暖 …), by month or by source.

One GROUP BY query over the ledger's day totals gives, per month (or per source) and sub-item, the
net amount and the number of payouts (a 红字冲销 takes its payout back out of the count). Every
month of the period is a row, zeros included, so a reader sees the months without aid too. The 合计
row and column are the sums of those aggregates.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_office.xlsx import Column

from ..models import Account, LedgerDayTotal
from ..money import ZERO, MoneySum
from .base import Params, Report, ReportRow, ReportSpec, period_label

AID_LINE = "502"  # 维权支出: 50201 困难职工帮扶, 50202 送温暖, 50203 劳动保护 (工会会计制度)
GROUPINGS = ("month", "source")
# A period longer than this lists only the months with payouts.
MAX_EMPTY_MONTHS = 36


class AidUsage(ReportSpec):
    key = "aid-usage"
    title = gettext_lazy("帮扶资金使用情况表")
    description = gettext_lazy("维权支出（困难职工帮扶、送温暖等）按月或按来源统计的笔数和金额。")
    icon = "heart"
    fields = ("period", "group")

    def build(self, params: Params) -> Report:
        unit, date_from, date_to = params.unit, params.date_from, params.date_to
        assert date_from is not None and date_to is not None
        by_source = params.group == "source"
        accounts = list(Account.objects.filter(code__startswith=AID_LINE).order_by("code"))
        # From the ledger's day totals (one row per day, account and source), by the accounts' ids.
        totals = LedgerDayTotal.objects.filter(
            org_unit=unit, date__gte=date_from, date__lte=date_to, account_id__in=[a.pk for a in accounts]
        )
        if by_source:
            keys = ("source_type", "channel")
        else:
            keys = ("year_of", "month_of")
            totals = totals.annotate(year_of=ExtractYear("date"), month_of=ExtractMonth("date"))
        aggregates = (
            totals.values(*keys, "account_id")
            .annotate(total=MoneySum("total"), entries=Sum("entry_count"), reversed=Sum("reversal_count"))
            .order_by()
        )
        cells: dict[tuple, dict[int, tuple[int, Decimal]]] = defaultdict(dict)
        used: set[int] = set()
        for row in aggregates:
            bucket = tuple(row[key] for key in keys)
            # A 红字冲销 takes its payout back out of the count: payouts − reversals.
            cells[bucket][row["account_id"]] = (row["entries"] - 2 * row["reversed"], row["total"])
            used.add(row["account_id"])
        items = [a for a in accounts if (a.parent_id is not None and a.is_active) or a.pk in used]
        if by_source:
            labels = source_labels(list(cells))
            buckets = sorted(cells, key=lambda bucket: labels[bucket])
        else:
            buckets = month_buckets(date_from, date_to, set(cells))
            labels = {
                bucket: _("%(year)s年%(month)s月") % {"year": bucket[0], "month": bucket[1]} for bucket in buckets
            }
        rows = []
        column_totals = [ZERO] * (2 * len(items) + 2)
        for bucket in buckets:
            values: list = []
            found = cells.get(bucket, {})
            for item in items:
                values.extend(found.get(item.pk, (0, ZERO)))
            values.extend((sum(values[0::2]), sum(values[1::2], ZERO)))
            column_totals = [total + value for total, value in zip(column_totals, values, strict=True)]
            rows.append(ReportRow((labels[bucket], *values)))
        column_totals = [int(v) if i % 2 == 0 else v for i, v in enumerate(column_totals)]
        columns = [Column(_("来源") if by_source else _("月份"), width=18)]
        for item in items:
            name = item.name if item.parent_id else _("%(name)s（未列明细）") % {"name": item.name}
            columns += [
                Column(_("笔数"), width=8, kind="int", group=name),
                Column(_("金额"), width=15, kind="money", group=name),
            ]
        columns += [
            Column(_("笔数"), width=8, kind="int", group=_("合计")),
            Column(_("金额"), width=15, kind="money", group=_("合计")),
        ]
        return Report(
            title=str(self.title),
            unit=unit,
            period=period_label(date_from, date_to),
            columns=columns,
            rows=rows,
            totals=[None, *column_totals],
            notes=[_("统计科目：502 维权支出及其明细科目；笔数为发放笔数减去红字冲销笔数。")],
        )


def month_buckets(date_from: dt.date, date_to: dt.date, with_data: set[tuple]) -> list[tuple[int, int]]:
    months = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) > MAX_EMPTY_MONTHS:
        months = [m for m in months if m in with_data]
    return months


def source_labels(buckets: list[tuple]) -> dict[tuple, str]:
    """(content type id, channel) → what caused the payouts: 帮扶申请, 慰问记录, 手工记账, 导入 …"""
    types = ContentType.objects.in_bulk([type_id for type_id, _channel in buckets if type_id])
    channels = {"form": _("手工记账"), "import": _("导入"), "": _("其他")}
    labels = {}
    for type_id, channel in buckets:
        model = types[type_id].model_class() if type_id in types else None
        labels[type_id, channel] = str(model._meta.verbose_name) if model else channels.get(channel, channel)
    return labels
