"""Budgets on the 工作台's 待办 list (union_office/todo.py): submitted budgets waiting for 批复."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from .models import Budget, BudgetStatus
from .workflow import APPROVE_BUDGET


def budget_candidates(user: Any) -> QuerySet[Budget]:
    waiting = Budget.objects.filter(status=BudgetStatus.SUBMITTED)
    return access.visible(user, APPROVE_BUDGET, waiting).select_related("org_unit").order_by("updated_at", "pk")


def register() -> None:
    from .services import BUDGET

    register_todo(TodoSource("finance.budget", BUDGET, budget_candidates, str, _("经费预算")))
