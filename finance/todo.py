"""The 工作台's 待办 list (union_office/todo.py): submitted budgets waiting for 批复, recorded
上年结余 waiting for confirmation."""

from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from .models import Budget, BudgetStatus, OpeningBalance, OpeningBalanceStatus
from .workflow import APPROVE_BUDGET


def budget_candidates(user: Any) -> QuerySet[Budget]:
    waiting = Budget.objects.filter(status=BudgetStatus.SUBMITTED)
    return access.visible(user, APPROVE_BUDGET, waiting).select_related("org_unit").order_by("updated_at", "pk")


def opening_balance_candidates(user: Any) -> QuerySet[OpeningBalance]:
    waiting = OpeningBalance.objects.filter(status=OpeningBalanceStatus.RECORDED)
    # A balance is never edited, so it has no updated_at: the list orders by when it was recorded.
    return (
        access.visible(user, APPROVE_BUDGET, waiting)
        .select_related("org_unit")
        .annotate(updated_at=F("recorded_at"))
        .order_by("recorded_at", "pk")
    )


def register() -> None:
    from .services import BUDGET, OPENING_BALANCE

    register_todo(TodoSource("finance.budget", BUDGET, budget_candidates, str, _("经费预算")))
    register_todo(
        TodoSource(
            "finance.opening_balance",
            OPENING_BALANCE,
            opening_balance_candidates,
            lambda balance: f"{balance.org_unit} {balance}",
            _("上年结余"),
        )
    )
