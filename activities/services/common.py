from typing import Any

from django.core.exceptions import ValidationError

from members.models import Member


class ActivityError(ValidationError):
    """A move the rules refuse; the message says what to do instead."""


def own_member(user: Any) -> Member | None:
    """The Member record linked to the login, if any (eligibility checks its status)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.select_related("org_unit").filter(user=user).first()


def in_subtree(unit_path: str, root_path: str) -> bool:
    return unit_path.startswith(root_path)
