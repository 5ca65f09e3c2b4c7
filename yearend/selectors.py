"""Reads of summaries that check access: a summary is read by whoever reads the unit's plan."""

from typing import Any

from django.db.models import QuerySet

from members import access
from members.models import OrgUnit

from .models import Summary, SummarySection
from .workflow import APPROVE, EDIT, VIEW


def summary_list(user: Any) -> QuerySet[Summary]:
    return access.visible(user, VIEW, Summary.objects.select_related("org_unit")).order_by("-year", "org_unit__path")


def summary_get(user: Any, pk: int) -> Summary:
    """One summary the user may read, or 404 whether it exists or not."""
    return access.get_visible_or_404(user, VIEW, Summary.objects.select_related("org_unit"), pk=pk)


def summary_sections(summary: Summary) -> list[SummarySection]:
    return list(summary.sections.order_by("position", "pk"))


def drafting_units(user: Any) -> QuerySet[OrgUnit]:
    """The units whose summary the user may draft (plans.edit_plan), in tree order."""
    return access.units(user, EDIT).exclude(kind=OrgUnit.Kind.GROUP).order_by("path")


def statistics_units(user: Any) -> QuerySet[OrgUnit]:
    """The units whose statistics the user may compile: the 基层工会 and 上级工会 they draft for."""
    return access.units(user, EDIT).filter(kind__in=[OrgUnit.Kind.BASE, OrgUnit.Kind.UPPER]).order_by("path")


def may_oversee(user: Any) -> bool:
    return access.units(user, APPROVE).filter(kind=OrgUnit.Kind.UPPER).exists()
