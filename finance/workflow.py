"""The budget workflow in one table (the kernel is union_office/workflow.py): the services, the
buttons, the 待办 list and docs/finance.md read it.

草稿 → 已提交 (locked; the treasurer submits) → 已批复 (the chair approves). The chair may send a
submitted budget back to 草稿. An approved budget is changed only by adjustments (预算调整).
Whoever submitted a budget does not approve it, unless its unit is set as having a single officer
(`OrgUnit.single_officer`, set by the union above and audited).
"""

from django.utils.translation import gettext_lazy as _

from union_office.workflow import Guard, Notice, Transition

from .models import Budget, BudgetStatus, OpeningBalanceStatus

CHANGE_LEDGER = "finance.change_ledger"
APPROVE_BUDGET = "finance.approve_budget"
YOUR_TURN = "finance.budget_turn"
TO_APPROVERS = "approvers"
TO_SUBMITTER = "submitter"
TO_RECORDER = "recorder"
OPENING_TURN = "finance.opening_balance_turn"


def _has_lines(budget: Budget, fields) -> str | None:
    if not budget.lines.exists():
        return _("预算还没有任何科目，请先填写本年预算。")
    return None


HAS_LINES = Guard("budget_has_lines", _("预算已填写科目"), _has_lines)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (BudgetStatus.DRAFT,),
        BudgetStatus.SUBMITTED,
        CHANGE_LEDGER,
        _("提交预算"),
        guards=(HAS_LINES,),
        notify=(Notice(TO_APPROVERS, _("待批复的经费预算：%(obj)s")),),
        done=_("预算已提交"),
    ),
    Transition(
        "send_back",
        (BudgetStatus.SUBMITTED,),
        BudgetStatus.DRAFT,
        APPROVE_BUDGET,
        _("退回修改"),
        notify=(Notice(TO_SUBMITTER, _("经费预算被退回修改：%(obj)s")),),
        done=_("预算已退回修改"),
        style="outline-danger",
        todo=False,
    ),
    Transition(
        "approve",
        (BudgetStatus.SUBMITTED,),
        BudgetStatus.APPROVED,
        APPROVE_BUDGET,
        _("批复预算"),
        not_by=("submit",),
        not_by_waived=lambda budget: budget.org_unit.single_officer,
        notify=(Notice(TO_SUBMITTER, _("经费预算已批复：%(obj)s")),),
        confirm=_("批复后各科目的批复数即为本年预算，之后只能通过预算调整修改。"),
        done=_("预算已批复"),
        style="success",
    ),
)

# Lines may be edited only while the budget is a draft.
EDITABLE_STATUSES = frozenset({BudgetStatus.DRAFT})
# Adjustments are recorded on an approved budget only; spending is checked against it.
IN_FORCE_STATUSES = frozenset({BudgetStatus.APPROVED})


# 上年结余: the treasurer records it (services.opening_balance_record, which tells the confirmers),
# someone else who may approve the budget confirms it. Who recorded may not confirm, unless the
# unit has a single officer.
OPENING_BALANCE_TRANSITIONS: tuple[Transition, ...] = (
    # Creates the row (no source state): taken by the service, listed so the table and the
    # "not by whoever recorded" rule can name it.
    Transition(
        "record",
        (),
        OpeningBalanceStatus.RECORDED,
        CHANGE_LEDGER,
        _("录入上年结余"),
        done=_("上年结余已录入"),
        todo=False,
    ),
    Transition(
        "confirm",
        (OpeningBalanceStatus.RECORDED,),
        OpeningBalanceStatus.CONFIRMED,
        APPROVE_BUDGET,
        _("确认上年结余"),
        not_by=("record",),
        not_by_waived=lambda balance: balance.org_unit.single_officer,
        notify=(Notice(TO_RECORDER, _("上年结余已确认：%(obj)s")),),
        confirm=_("确认后，本年的经费收支表以此数为上年结余，之后不能修改。"),
        done=_("上年结余已确认"),
        style="success",
    ),
)
