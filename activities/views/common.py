"""What the activities views share: who may do what, and turning refusals into messages."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from members import access

from ..selectors import MANAGE, VIEW


def require_reader(user: Any) -> None:
    """404 for anyone who sees no activities anywhere (a login without a member record or role)."""
    if not access.has_anywhere(user, VIEW):
        raise Http404


def require_organiser(user: Any) -> None:
    """404 for strangers, 403 for members who may read but not organise."""
    require_reader(user)
    if not access.has_anywhere(user, MANAGE):
        raise PermissionDenied(_("您的角色可以查看活动，但不能组织活动。"))


def manage_units(user: Any) -> Any:
    return access.units(user, MANAGE).order_by("path")


def messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def form_errors_from(form: Any, exc: ValidationError) -> None:
    """Put a service's per-field messages on the form's fields (or on the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
