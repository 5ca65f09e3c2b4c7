"""Reads of membership changes that check access: the approval inbox and one change."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from members import access
from members.models import MembershipChange

from .workflow import PERM, TRANSITIONS, State


def _approver_q(user: Any) -> Q:
    by_unit: dict[str, list[str]] = {}
    for kind, transition in TRANSITIONS.items():
        by_unit.setdefault(transition.approved_at, []).append(kind)
    q = Q(pk__in=[])
    for field, kinds in by_unit.items():
        q |= Q(kind__in=kinds) & access.unit_q(user, PERM, field)
    return q


def _approvers_changes(user: Any, state: str) -> QuerySet[MembershipChange]:
    qs = MembershipChange.objects.filter(state=state)
    if not (user.is_superuser and user.is_active):
        qs = qs.filter(_approver_q(user))
    return qs.select_related(
        "member", "member__org_unit", "from_unit", "to_unit", "from_unit__parent", "to_unit__parent", "requested_by"
    )


def approvable_changes(user: Any) -> QuerySet[MembershipChange]:
    """Pending changes `user` may decide, oldest first (the approval inbox)."""
    return _approvers_changes(user, State.PENDING).order_by("created_at", "pk")


def scheduled_changes(user: Any) -> QuerySet[MembershipChange]:
    """Approved changes waiting for their date (待生效) that `user` approves and so may call off,
    soonest first: the inbox lists them under the pending ones."""
    return _approvers_changes(user, State.SCHEDULED).order_by("effective_on", "pk")


def change_get(user: Any, pk: int) -> MembershipChange:
    """One change: roster readers of either unit, the requester or the member themself; else 404."""
    qs = MembershipChange.objects.select_related(
        "member", "member__org_unit", "from_unit", "to_unit", "from_unit__parent", "to_unit__parent", "requested_by"
    )
    if not (user.is_superuser and user.is_active):
        view = "members.view_member"
        qs = qs.filter(
            access.unit_q(user, view, "from_unit")
            | access.unit_q(user, view, "to_unit")
            | access.unit_q(user, view, "member__org_unit")
            | Q(requested_by_id=user.pk)
            | Q(member__user_id=user.pk)
        )
    change = qs.filter(pk=pk).first()
    if change is None:
        raise Http404(_("没有找到该会籍变动，或您无权查看。"))
    return change
