from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from finance.services import bookkeeping_unit
from members import access
from members.models import OrgUnit, Role, RoleGrant


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
    grants = RoleGrant.objects.filter(org_unit__path__in=paths, role__in=[Role.CHAIR, Role.COMMITTEE]).select_related(
        "user"
    )
    users = {g.user_id: g.user for g in grants if g.user.is_active}
    return [users[k] for k in sorted(users)]
