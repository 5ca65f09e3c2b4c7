"""The summary's workflow in one table (the kernel is union_office/workflow.py): 草稿 → 审议中 →
定稿, and 审议中 back to 草稿. The service, the buttons, the 待办 list and docs/yearend.md read it.

Permissions are the plan's (a summary is the plan's year-end counterpart, DESIGN.md §3.1): whoever
drafts the plan drafts the summary, whoever approves the plan makes the summary final.
"""

from django.utils.translation import gettext_lazy as _

from union_office.workflow import Notice, Transition

from .models import SummaryStatus

S = SummaryStatus
VIEW = "plans.view_plan"
EDIT = "plans.edit_plan"
APPROVE = "plans.approve_plan"
YOUR_TURN = "yearend.summary_turn"
TO_APPROVERS = "approvers"
TO_SUBMITTER = "submitter"

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (S.DRAFT,),
        S.REVIEW,
        EDIT,
        _("提交审议"),
        notify=(Notice(TO_APPROVERS, _("待审议的年度总结：%(obj)s")),),
        done=_("总结已提交审议"),
    ),
    Transition(
        "send_back",
        (S.REVIEW,),
        S.DRAFT,
        APPROVE,
        _("退回修改"),
        notify=(Notice(TO_SUBMITTER, _("年度总结被退回修改：%(obj)s")),),
        done=_("总结已退回修改"),
        style="outline-danger",
        todo=False,
    ),
    Transition(
        "finalize",
        (S.REVIEW,),
        S.FINAL,
        APPROVE,
        _("定稿"),
        notify=(Notice(TO_SUBMITTER, _("年度总结已定稿：%(obj)s")),),
        confirm=_("定稿后总结的文字和数字不能再修改，也不能重新提取数据。"),
        done=_("总结已定稿"),
        style="success",
    ),
)

# Only a draft's text changes, and only a draft is re-drafted from the records.
EDITABLE_STATUSES = frozenset({SummaryStatus.DRAFT})
