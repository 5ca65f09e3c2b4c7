"""The budget workflow in one table: the services, the buttons and docs/finance.md read it.

草稿 → 已提交 (locked; the treasurer submits) → 已批复 (the chair approves). The chair may send a
submitted budget back to 草稿. An approved budget is changed only by adjustments (预算调整).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import BudgetStatus

CHANGE_LEDGER = "finance.change_ledger"
APPROVE_BUDGET = "finance.approve_budget"


@dataclass(frozen=True)
class Transition:
    action: str
    source: BudgetStatus
    target: BudgetStatus
    permission: str
    label: str | Promise


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", BudgetStatus.DRAFT, BudgetStatus.SUBMITTED, CHANGE_LEDGER, _("提交预算")),
    Transition("send_back", BudgetStatus.SUBMITTED, BudgetStatus.DRAFT, APPROVE_BUDGET, _("退回修改")),
    Transition("approve", BudgetStatus.SUBMITTED, BudgetStatus.APPROVED, APPROVE_BUDGET, _("批复预算")),
)

# Lines may be edited only while the budget is a draft.
EDITABLE_STATUSES = frozenset({BudgetStatus.DRAFT})
# Adjustments are recorded on an approved budget only; spending is checked against it.
IN_FORCE_STATUSES = frozenset({BudgetStatus.APPROVED})


def transition(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def available(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
