"""会费: each member pays 0.5% of their monthly wage base; a unit books one batch per month.

Rounding (docs/finance.md): each member's dues are rounded to the 分, half up (四舍五入), and the
batch total is the sum of the rounded amounts, so the list a member sees and the booked total
always agree. A batch covers the active members of the unit's subtree, except the subtrees of
units below it that keep their own books (a 基层工会 under a 县总工会 books its own dues).
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import Member, OrgUnit
from union_office.audit import audit_record

from ..models import DuesBatch, DuesLine
from ..money import ZERO, round_money
from .ledger import BOOKKEEPING_KINDS, CHANGE_LEDGER, FinanceError, book_income, require_bookkeeping_unit

DUES_RATE = Decimal("0.005")
DUES_ACCOUNT = "401"


def dues_amount(wage_base: Decimal) -> Decimal:
    """0.5% of the wage base, to the 分, half up: 4,321.00 → 21.61 (21.605)."""
    return round_money(wage_base * DUES_RATE)


def dues_members(org_unit: OrgUnit) -> QuerySet[Member]:
    """The active members whose dues this unit collects."""
    own_books = OrgUnit.objects.filter(path__startswith=org_unit.path, kind__in=BOOKKEEPING_KINDS).exclude(
        pk=org_unit.pk
    )
    excluded = Q(pk__in=[])
    for path in own_books.values_list("path", flat=True):
        excluded |= Q(org_unit__path__startswith=path)
    return (
        Member.objects.filter(org_unit__path__startswith=org_unit.path, status=Member.Status.ACTIVE)
        .exclude(excluded)
        .select_related("org_unit")
        .order_by("org_unit__path", "name", "pk")
    )


@dataclass
class DuesPreview:
    year: int
    month: int
    lines: list[tuple[Member, Decimal, Decimal]] = field(default_factory=list)  # member, wage base, dues
    missing: list[Member] = field(default_factory=list)  # active members with no wage base yet

    @property
    def total(self) -> Decimal:
        return sum((amount for _m, _w, amount in self.lines), ZERO)


def dues_preview(org_unit: OrgUnit, year: int, month: int) -> DuesPreview:
    """What a batch for the month would hold now (members who joined after the month are left out)."""
    month_end = dt.date(year, month, calendar.monthrange(year, month)[1])
    preview = DuesPreview(year=year, month=month)
    for member in dues_members(org_unit).filter(Q(joined_on__isnull=True) | Q(joined_on__lte=month_end)):
        if member.wage_base is None:
            preview.missing.append(member)
        else:
            preview.lines.append((member, member.wage_base, dues_amount(member.wage_base)))
    return preview


def default_booking_date(year: int, month: int) -> dt.date:
    """The month's last day, or today while the month is still running."""
    return min(dt.date(year, month, calendar.monthrange(year, month)[1]), timezone.localdate())


def dues_batch_create(
    *, actor: Any, org_unit: OrgUnit, year: int, month: int, date: dt.date | None = None
) -> DuesBatch:
    """Compute, save and book one month's dues (401 会费收入, the batch as the entry's source)."""
    access.require(actor, CHANGE_LEDGER, org_unit)
    require_bookkeeping_unit(org_unit)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise FinanceError(_("请选择正确的年度和月份。"))
    if dt.date(year, month, 1) > timezone.localdate():
        raise FinanceError(_("%(year)s年%(month)s月还没有到，不能计算会费。") % {"year": year, "month": month})
    date = date or default_booking_date(year, month)
    if (date.year, date.month) != (year, month):
        raise FinanceError(_("会费的记账日期须在%(year)s年%(month)s月内。") % {"year": year, "month": month})
    preview = dues_preview(org_unit, year, month)
    if not preview.lines or preview.total <= 0:
        raise FinanceError(_("没有可计算会费的会员：请先在花名册中填写会员的会费工资基数。"))
    with transaction.atomic():
        try:
            with transaction.atomic():
                batch = DuesBatch.objects.create(
                    org_unit=org_unit,
                    year=year,
                    month=month,
                    member_count=len(preview.lines),
                    total=preview.total,
                    created_by=actor,
                )
        except IntegrityError:
            raise FinanceError(
                _("%(unit)s%(year)s年%(month)s月的会费已经计算并记账。")
                % {"unit": org_unit, "year": year, "month": month}
            ) from None
        DuesLine.objects.bulk_create(
            DuesLine(batch=batch, member=member, wage_base=wage_base, amount=amount)
            for member, wage_base, amount in preview.lines
        )
        entry = book_income(
            actor=actor,
            org_unit=org_unit,
            date=date,
            account=DUES_ACCOUNT,
            amount=batch.total,
            summary=_("%(year)s年%(month)s月会费（%(count)s人）")
            % {"year": year, "month": month, "count": batch.member_count},
            source=batch,
        )
        batch.entry = entry
        batch.save(update_fields=["entry", "updated_at"])
        audit_record(
            actor=actor,
            action="finance.dues.batch",
            obj=batch,
            changes={
                "month": f"{year}-{month:02d}",
                "member_count": batch.member_count,
                "total": str(batch.total),
                "voucher": entry.voucher_label,
                "missing_wage_base": len(preview.missing),
            },
        )
    return batch
