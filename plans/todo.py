"""Plans on the 工作台's 待办 list (union_office/todo.py): plans waiting for 批准 or 开始执行."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from .models import Plan, PlanStatus
from .workflow import APPROVE


def plan_candidates(user: Any) -> QuerySet[Plan]:
    waiting = Plan.objects.filter(status__in=[PlanStatus.REVIEW, PlanStatus.APPROVED])
    return access.visible(user, APPROVE, waiting).select_related("org_unit").order_by("updated_at", "pk")


def register() -> None:
    from .services import PLAN

    register_todo(TodoSource("plans.plan", PLAN, plan_candidates, str, _("工作计划")))
