"""The welfare workflows' part of the 工作台's 待办 list (union_office/todo.py)."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from union_office.todo import TodoSource, register_todo

from . import selectors
from .models import AidApplication, StudentApplication


def _waiting_states(transitions) -> set[str]:
    """States from which a staff move moves the case on (not 驳回/撤回)."""
    return {s for t in transitions if t.todo and t.permission != "subject" for s in t.sources}


def aid_candidates(user: Any) -> QuerySet[AidApplication]:
    from .workflow.aid import TRANSITIONS

    return (
        selectors.applications_visible(user)
        .filter(state__in=_waiting_states(TRANSITIONS))
        .select_related("member", "org_unit", "notice_unit")
        .order_by("updated_at", "pk")
    )


def student_candidates(user: Any) -> QuerySet[StudentApplication]:
    from .workflow.campaign import TRANSITIONS

    return (
        selectors.student_applications_visible(user)
        .filter(state__in=_waiting_states(TRANSITIONS))
        .select_related("member", "org_unit", "campaign__org_unit")
        .order_by("updated_at", "pk")
    )


def register() -> None:
    from .services.aid import AID
    from .services.campaign import STUDENT

    register_todo(TodoSource("welfare.aid", AID, aid_candidates, str, _("帮扶申请")))
    register_todo(
        TodoSource(
            "welfare.student", STUDENT, student_candidates, lambda a: f"{a.student_name}（{a.campaign}）", _("金秋助学")
        )
    )
