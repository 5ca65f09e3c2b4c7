from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.services import bookkeeping_unit
from members import access
from members.models import OrgUnit, Role, RoleGrant
from union_office.audit import audit_record


class WelfareError(ValidationError):
    """A move the welfare rules refuse, with a message the user can read."""


def require(user: Any, perm: str, unit: OrgUnit) -> None:
    if not access.can(user, perm, unit):
        raise PermissionDenied(
            _("您的角色没有在“%(unit)s”%(action)s的权限。") % {"unit": unit, "action": access.PERMISSIONS[perm].label}
        )


def reviewers_of(unit: OrgUnit) -> list[Any]:
    """The chair and committee users at the unit or above it up to its 基层工会 (who get reminders)."""
    books = bookkeeping_unit(unit)
    paths = [p for p in unit.ancestor_paths() if p.startswith(books.path)]
    grants = (
        RoleGrant.objects.current()
        .filter(org_unit__path__in=paths, role__in=[Role.CHAIR, Role.COMMITTEE])
        .select_related("user")
    )
    users = {g.user_id: g.user for g in grants if g.user.is_active}
    return [users[k] for k in sorted(users)]


def objection_resolution_record(
    *,
    actor: Any,
    objections: QuerySet,
    objection_id: int,
    resolution: str,
    check: Callable[[Any], None],
    error: type[WelfareError],
    action: str,
) -> Any:
    """Record how a 公示 objection was checked and decided: aid and 金秋助学 objections alike.

    `objections` selects the objection model with what `check` reads; `check(objection)` raises if
    the actor may not resolve it. Refusals are raised as `error` (each workflow's own type).
    """
    resolution = (resolution or "").strip()
    if not resolution:
        raise error(_("请填写异议的核查和处理意见。"))
    if len(resolution) > 2000:
        raise error(_("处理意见最多 2000 字。"))
    with transaction.atomic():
        # Only the objection row: two resolvers at once and the second is told it is done. The
        # application and its unit are only read, so they stay free for the workflow's own moves.
        objection = objections.select_for_update(of=("self",)).get(pk=objection_id)
        check(objection)
        if objection.resolved_at is not None:
            raise error(_("这条异议已经处理过了。"))
        objection.resolved_at = timezone.now()
        objection.resolved_by = actor
        objection.resolution = resolution
        objection.save()
        audit_record(
            actor=actor,
            action=action,
            obj=objection.application,
            changes={"objection": objection.pk, "resolution": resolution},
        )
    return objection
