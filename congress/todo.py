"""Motions on the 工作台's 待办 list (union_office/todo.py): what the committee reviews, registers,
assigns and closes, what a department answers, what an invited delegate co-signs and the reply a
proposer rates."""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from . import workflow
from .models import CoSigner, Motion
from .models import MotionStatus as S
from .services.common import handler_department_ids


def _states(permission: str) -> set[str]:
    return {s for t in workflow.TRANSITIONS if t.todo and t.permission == permission for s in t.sources}


def motion_candidates(user: Any) -> QuerySet[Motion]:
    if not getattr(user, "is_authenticated", False):
        return Motion.objects.none()
    waiting = CoSigner.objects.filter(motion=OuterRef("pk"), delegate__member__user=user, confirmed_at__isnull=True)
    mine = (
        (access.unit_q(user, workflow.REVIEW, "session__org_unit") & Q(status__in=_states(workflow.REVIEW)))
        | Q(lead_department__in=handler_department_ids(user), status__in=_states(workflow.REPLY))
        | Q(proposer__member__user=user, status__in={S.REPLIED})
        | Q(Exists(waiting), status__in=_states(workflow.COSIGN))
    )
    return (
        Motion.objects.filter(mine)
        .annotate(cosign_waiting=Exists(waiting))
        .select_related("session__org_unit", "proposer__member__user", "lead_department")
        .order_by("updated_at", "pk")
    )


def register() -> None:
    from .services.common import MOTION

    register_todo(
        TodoSource(
            "congress.motion",
            MOTION,
            motion_candidates,
            lambda m: str(m.title),
            _("提案"),
            subject_actions=workflow.PROPOSER_TODO,
        )
    )
