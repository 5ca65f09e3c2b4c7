"""The 工作台 cards the members app contributes."""

import hashlib
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from . import access, selectors
from .models import Member, RoleGrant
from .stats import STATS_CACHE_SECONDS


def my_account_card(request: HttpRequest) -> dict[str, Any]:
    """Everyone: who I am here, my membership, and the roles I hold at which units."""
    user = request.user
    member = Member.objects.select_related("org_unit", "department").filter(user=user).first()
    grants = (
        RoleGrant.objects.current()
        .filter(user=user)
        .select_related("org_unit", "department")
        .order_by("org_unit__path")
    )
    return {"member": member, "grants": grants}


def roster_overview_card(request: HttpRequest) -> dict[str, Any] | None:
    """Roster readers: head counts over their scope, and the units at the top of it.

    The counts read every member of the scope (a county: 100,000, the costliest part of the
    工作台, docs/reliability.md): they are kept per scope until the roster or its unit tree
    changes (selectors.roster_versions, one small query), as the roster list keeps its statistics.
    """
    user = request.user
    if not access.has_anywhere(user, "members.view_member"):
        return None
    scope = access.scope_key(user, "members.view_member")
    versions = "|".join(selectors.roster_versions(user))
    key = "members:dashboard-roster:" + hashlib.sha256(f"{scope}\n{versions}".encode()).hexdigest()
    counted = cache.get(key)
    if counted is None:
        counted = (selectors.roster_overview(user), selectors.roster_breakdown(user))
        cache.set(key, counted, STATS_CACHE_SECONDS)
    overview, breakdown = counted
    active = overview["active"] or 1
    return {
        "overview": overview,
        "women_share": overview["women"] / active,
        "frontline_share": overview["frontline"] / active,
        "breakdown": breakdown,
    }
