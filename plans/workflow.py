"""The plan workflow in one table (the kernel is union_office/workflow.py): code, buttons, the
待办 list and docs/plans.md all read it.

草稿 → 审议中 (submitted to the committee) → 已批准 → 执行中 → 已归档; 审议中 can be sent back to
草稿. An approved (or running) plan is changed only through a new version, which starts as a
draft; approving the new version archives the one it replaces.

Separation of duties: whoever submitted a plan does not approve it, unless its unit is set as
having a single officer (`OrgUnit.single_officer`, set by the union above and audited). A plan for
a coming year does not start executing before its year.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office.workflow import Guard, Notice, Transition

from .models import Plan, PlanStatus

S = PlanStatus
EDIT = "plans.edit_plan"
APPROVE = "plans.approve_plan"
YOUR_TURN = "plans.plan_turn"
TO_APPROVERS = "approvers"
TO_SUBMITTER = "submitter"


def _year_begun(plan: Plan, fields) -> str | None:
    if timezone.localdate().year < plan.year:
        return _("这是 %(year)d 年的计划，%(year)d 年 1 月 1 日起才能开始执行。") % {"year": plan.year}
    return None


def single_officer(plan: Plan) -> bool:
    return plan.org_unit.single_officer


YEAR_BEGUN = Guard("plan_year_begun", _("计划年度已开始"), _year_begun)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (S.DRAFT,),
        S.REVIEW,
        EDIT,
        _("提交审议"),
        notify=(Notice(TO_APPROVERS, _("待审批的工作计划：%(obj)s")),),
        done=_("计划已提交审议"),
    ),
    Transition(
        "send_back",
        (S.REVIEW,),
        S.DRAFT,
        APPROVE,
        _("退回修改"),
        notify=(Notice(TO_SUBMITTER, _("工作计划被退回修改：%(obj)s")),),
        done=_("计划已退回修改"),
        style="outline-danger",
        todo=False,
    ),
    Transition(
        "approve",
        (S.REVIEW,),
        S.APPROVED,
        APPROVE,
        _("批准"),
        not_by=("submit",),
        not_by_waived=single_officer,
        notify=(Notice(TO_SUBMITTER, _("工作计划已批准：%(obj)s")),),
        confirm=_("批准后计划不能再直接修改，只能通过新版本修订；新版本获批时替换旧版本。"),
        done=_("计划已批准"),
        style="success",
    ),
    Transition(
        "start",
        (S.APPROVED,),
        S.ACTIVE,
        APPROVE,
        _("开始执行"),
        guards=(YEAR_BEGUN,),
        notify=(Notice(TO_SUBMITTER, _("工作计划开始执行：%(obj)s")),),
        confirm=_("开始执行后按时限发送工作提醒，不能回到“已批准”。"),
        done=_("计划已开始执行"),
        style="success",
    ),
    Transition(
        "archive",
        (S.ACTIVE,),
        S.ARCHIVED,
        APPROVE,
        _("归档"),
        confirm=_("归档后计划只读，不再发送工作提醒。"),
        done=_("计划已归档"),
        style="outline-secondary",
        todo=False,
    ),
)

# Only a draft's content may change; everything later goes through a new version.
EDITABLE_STATUSES = frozenset({PlanStatus.DRAFT})
# Progress (item status and notes) is recorded while the plan is being carried out.
TRACKABLE_STATUSES = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE})
# A new version may be started from these.
VERSIONABLE_STATUSES = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE})


def transition(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and source in t.sources), None)
