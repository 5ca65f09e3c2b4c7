"""The two workflows of activities, one table each (the kernel is union_office/workflow.py): the
services, the buttons, the 待办 list and docs/activities.md read them.

Event: 计划中 → 报名中 → 进行中 → 已结束; 报名中 can go back to 计划中 (sign-up paused); any state
before 已结束 can be 已取消 (with a reason the signed-up members are told, by the reminders module).
Group plan (兴趣小组年度计划): 草稿 → 待审批 → 已批准, or 已退回 and submitted again. The group's
leader submits it (or an organiser of its unit, for them); the committee decides, and not on a
plan of a group they lead themselves, nor on one they submitted.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from union_office.workflow import SUBJECT, Guard, Notice, Transition

from .models import EventStatus, GroupPlanStatus

MANAGE = "activities.manage_events"
APPROVE_GROUPS = "activities.approve_group_plans"
YOUR_TURN = "activities.group_plan_turn"
TO_APPROVERS = "approvers"
TO_LEADER = "leader"

E = EventStatus
G = GroupPlanStatus


def _within_request(plan, fields) -> str | None:
    asked = fields.get("budget_approved")
    if asked in (None, "") or fields.get("preview"):
        return None
    try:
        amount = Decimal(str(asked).replace(",", "").strip())
    except InvalidOperation:
        return None  # the service's money check says what is wrong with it
    if amount > plan.budget_requested:
        return _("批准经费 %(amount)s 元不能超过申请的 %(asked)s 元。") % {
            "amount": amount,
            "asked": plan.budget_requested,
        }
    return None


WITHIN_REQUEST = Guard("budget_within_request", _("批准经费不超过申请经费"), _within_request)

_cancel = {
    "confirm": _("取消后活动不能恢复，已报名的会员会收到取消通知和原因。"),
    "needs_comment": True,
    "done": _("活动已取消"),
    "style": "outline-danger",
    "todo": False,
}

EVENT_TRANSITIONS: tuple[Transition, ...] = (
    Transition("open", (E.PLANNED,), E.OPEN, MANAGE, _("开放报名"), done=_("已开放报名"), todo=False),
    Transition(
        "pause", (E.OPEN,), E.PLANNED, MANAGE, _("暂停报名"), done=_("已暂停报名"), style="outline-primary", todo=False
    ),
    # On the organiser's 待办 list once the start time has passed (the list's candidates say when).
    Transition("start", (E.OPEN,), E.RUNNING, MANAGE, _("开始活动（截止报名）"), done=_("活动已开始，报名截止")),
    Transition(
        "finish",
        (E.RUNNING,),
        E.FINISHED,
        MANAGE,
        _("结束活动"),
        confirm=_("结束后不能再签到，也不能回到“进行中”。"),
        done=_("活动已结束"),
    ),
    Transition("cancel", (E.PLANNED, E.OPEN, E.RUNNING), E.CANCELLED, MANAGE, _("取消活动"), **_cancel),
)

GROUP_PLAN_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (G.DRAFT, G.RETURNED),
        G.SUBMITTED,
        SUBJECT,
        _("提交审批"),
        also=MANAGE,
        notify=(Notice(TO_APPROVERS, _("待审批的兴趣小组年度计划：%(obj)s")),),
        done=_("计划已提交审批"),
    ),
    Transition(
        "approve",
        (G.SUBMITTED,),
        G.APPROVED,
        APPROVE_GROUPS,
        _("批准"),
        guards=(WITHIN_REQUEST,),
        not_by=("submit",),
        notify=(Notice(TO_LEADER, _("兴趣小组年度计划已批准：%(obj)s")),),
        confirm=_("批准后批准经费即为小组本年度可用的经费，计划不能再修改。"),
        done=_("计划已批准"),
        style="success",
    ),
    Transition(
        "return",
        (G.SUBMITTED,),
        G.RETURNED,
        APPROVE_GROUPS,
        _("退回"),
        needs_comment=True,
        notify=(Notice(TO_LEADER, _("兴趣小组年度计划被退回修改：%(obj)s")),),
        done=_("计划已退回"),
        style="outline-danger",
        todo=False,
    ),
)

# Sign-up is taken while the event is 报名中 (and inside its window); cancelling until it starts.
SIGNUP_STATUSES = frozenset({EventStatus.OPEN})
CANCELLABLE_STATUSES = frozenset({EventStatus.PLANNED, EventStatus.OPEN})
# The organiser checks people in on the day.
CHECK_IN_STATUSES = frozenset({EventStatus.OPEN, EventStatus.RUNNING})
# A group plan's text and budget may change only before it is submitted (or after it is sent back).
GROUP_PLAN_EDITABLE = frozenset({GroupPlanStatus.DRAFT, GroupPlanStatus.RETURNED})
