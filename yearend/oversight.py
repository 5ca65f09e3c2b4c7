"""The 上级工会's view: for every 基层工会 below, this year's plan and last year's summary, and a
reminder to the chairs of those missing one (through the notification kernel)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import OrgUnit, Role, RoleGrant
from plans.models import Plan
from union_office.audit import audit_record
from union_office.notifications import notify

from .models import Summary
from .workflow import APPROVE

REMINDER_KIND = "yearend.reminder"


@dataclass
class UnionRow:
    unit: OrgUnit
    plan: Plan | None
    summary: Summary | None

    @property
    def missing(self) -> bool:
        return self.plan is None or self.summary is None


def upper_units(user: Any) -> list[OrgUnit]:
    """The 上级工会 where the user approves plans: the county chair's county."""
    return list(access.units(user, APPROVE).filter(kind=OrgUnit.Kind.UPPER).order_by("path"))


def union_rows(root: OrgUnit, year: int) -> list[UnionRow]:
    """Every 基层工会 under `root`: its newest plan of `year`, its summary of `year - 1`. 3 queries."""
    unions = list(OrgUnit.objects.filter(path__startswith=root.path, kind=OrgUnit.Kind.BASE).order_by("path"))
    ids = [u.pk for u in unions]
    plans: dict[int, Plan] = {}
    for plan in Plan.objects.filter(org_unit_id__in=ids, year=year).order_by("org_unit_id", "version"):
        plans[plan.org_unit_id] = plan  # the newest version wins
    summaries = {s.org_unit_id: s for s in Summary.objects.filter(org_unit_id__in=ids, year=year - 1)}
    return [UnionRow(unit, plans.get(unit.pk), summaries.get(unit.pk)) for unit in unions]


def remind_missing(*, actor: Any, root: OrgUnit, year: int, unit_ids: list[int]) -> int:
    """Tell the chairs of the chosen unions under `root` what is missing; returns how many were told.

    A union that has both papers is skipped; a second reminder the same day about the same year
    is not sent twice (the notification key carries the date).
    """
    access.require(actor, APPROVE, root)
    rows = {row.unit.pk: row for row in union_rows(root, year) if row.missing}
    chosen = [rows[pk] for pk in unit_ids if pk in rows]
    chairs: dict[int, list[Any]] = {}
    for grant in (
        RoleGrant.objects.current()
        .filter(org_unit_id__in=[r.unit.pk for r in chosen], role=Role.CHAIR)
        .select_related("user")
    ):
        chairs.setdefault(grant.org_unit_id, []).append(grant.user)
    told, today = 0, timezone.localdate().isoformat()
    with transaction.atomic():
        for row in chosen:
            what = []
            if row.plan is None:
                what.append(_("%(year)s年度工作计划") % {"year": year})
            if row.summary is None:
                what.append(_("%(year)s年度工作总结") % {"year": year - 1})
            subject = _("%(upper)s提醒：请报送%(what)s") % {"upper": root.name, "what": "、".join(what)}
            for user in chairs.get(row.unit.pk, []):
                notify(
                    kind=REMINDER_KIND,
                    recipient=user,
                    subject=subject,
                    url=reverse("yearend:index"),
                    source=row.unit,
                    key=f"{year}:{today}",
                )
                told += 1
        audit_record(
            actor=actor,
            action="yearend.remind",
            obj=root,
            changes={"year": year, "units": [row.unit.pk for row in chosen], "told": told},
        )
    return told
