"""The 工作台 cards the members app contributes."""

from typing import Any

from django.http import HttpRequest

from . import access, selectors
from .models import Member, RoleGrant


def my_account_card(request: HttpRequest) -> dict[str, Any]:
    """Everyone: who I am here, my membership, and the roles I hold at which units."""
    user = request.user
    member = Member.objects.select_related("org_unit", "department").filter(user=user).first()
    grants = RoleGrant.objects.filter(user=user).select_related("org_unit", "department").order_by("org_unit__path")
    return {"member": member, "grants": grants}


def roster_overview_card(request: HttpRequest) -> dict[str, Any] | None:
    """Roster readers: head counts over their scope, and the units at the top of it."""
    if not access.has_anywhere(request.user, "members.view_member"):
        return None
    overview = selectors.roster_overview(request.user)
    active = overview["active"] or 1
    return {
        "overview": overview,
        "women_share": overview["women"] / active,
        "frontline_share": overview["frontline"] / active,
        "breakdown": selectors.roster_breakdown(request.user),
    }
