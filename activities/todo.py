"""Activities on the 工作台's 待办 list (union_office/todo.py): group plans waiting for a decision,
and events whose start (or end) time has passed while nobody moved them on."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from .models import Event, EventStatus, GroupPlan, GroupPlanStatus
from .workflow import APPROVE_GROUPS, MANAGE


def event_candidates(user: Any) -> QuerySet[Event]:
    now = timezone.now()
    due = Q(status=EventStatus.OPEN, starts_at__lte=now) | Q(status=EventStatus.RUNNING, ends_at__lte=now)
    return (
        access.visible(user, MANAGE, Event.objects.filter(due)).select_related("org_unit").order_by("updated_at", "pk")
    )


def group_plan_candidates(user: Any) -> QuerySet[GroupPlan]:
    waiting = GroupPlan.objects.filter(status=GroupPlanStatus.SUBMITTED)
    return (
        access.visible(user, APPROVE_GROUPS, waiting, "group__org_unit")
        .select_related("group__org_unit", "group__leader")
        .order_by("updated_at", "pk")
    )


def register() -> None:
    from .services.events import EVENT
    from .services.groups import GROUP_PLAN

    register_todo(TodoSource("activities.event", EVENT, event_candidates, str, _("活动")))
    register_todo(
        TodoSource(
            "activities.group_plan",
            GROUP_PLAN,
            group_plan_candidates,
            lambda plan: f"{plan.group.name} {plan.year}",
            _("兴趣小组计划"),
        )
    )
