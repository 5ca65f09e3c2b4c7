"""Reads of the roster that check access and keep the query count flat."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import access
from .models import Member, MemberStatus, OrgUnit


def member_list(user: Any, *, unit: OrgUnit | None = None, status: str = "") -> QuerySet[Member]:
    """Members the user may see in the roster, optionally narrowed to one unit's subtree."""
    qs = access.visible(user, "members.view_member", Member.objects.all())
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "department")


def member_get(user: Any, pk: int) -> Member:
    """One member's record: roster readers of that unit, or the member themself; else 404."""
    qs = Member.objects.select_related("org_unit", "department", "user")
    member = qs.filter(pk=pk).filter(access.unit_q(user, "members.view_member") | Q(user_id=user.pk)).first()
    if member is None:
        raise Http404(_("没有找到该会员，或您无权查看。"))
    return member


def unit_get(user: Any, pk: int) -> OrgUnit:
    return access.get_visible_or_404(user, "members.view_member", OrgUnit.objects.select_related("parent"), "", pk=pk)


def roster_units(user: Any) -> QuerySet[OrgUnit]:
    """The units the user can pick in roster filters, with active-member counts of each unit itself."""
    return access.units(user, "members.view_member").annotate(
        active_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
    )


def roster_breakdown(user: Any) -> list[tuple[OrgUnit, int]]:
    """The top units of the user's scope and the units right below them, each with the active
    members of its whole subtree. Two queries however many units: counts per unit are summed up
    the tree in Python (a union has at most a few thousand units)."""
    roots = access.scope_paths(user, "members.view_member")
    if not roots and not user.is_superuser:
        return []
    scope = access.units(user, "members.view_member")
    if user.is_superuser:
        top_depth = scope.order_by("depth").values_list("depth", flat=True).first() or 0
        shown = list(scope.filter(depth__lte=top_depth + 1))
    else:
        shown = [u for u in scope if u.path in roots or u.parent_id and u.path.rsplit("/", 2)[0] + "/" in roots]
    per_unit = (
        access.visible(user, "members.view_member", Member.objects.filter(status=MemberStatus.ACTIVE))
        .values_list("org_unit__path")
        .annotate(n=Count("pk"))
    )
    totals = {unit.path: 0 for unit in shown}
    for path, n in per_unit:
        for unit_path in totals:
            if path.startswith(unit_path):
                totals[unit_path] += n
    return [(unit, totals[unit.path]) for unit in shown]


def roster_overview(user: Any) -> dict[str, int]:
    """Head counts over the user's whole roster scope (dashboard)."""
    active = Q(status=MemberStatus.ACTIVE)
    return access.visible(user, "members.view_member", Member.objects.all()).aggregate(
        active=Count("pk", filter=active),
        women=Count("pk", filter=active & Q(gender="F")),
        frontline=Count("pk", filter=active & Q(frontline=True)),
        retired=Count("pk", filter=Q(status=MemberStatus.RETIRED)),
        total=Count("pk"),
    )
