"""The two workflows of activities in one table each: code, buttons and docs all read them.

Event: 计划中 → 报名中 → 进行中 → 已结束; 报名中 can go back to 计划中 (sign-up paused); any state
before 已结束 can be 已取消. Group plan (兴趣小组年度计划): 草稿 → 待审批 → 已批准, or 已退回 and
submitted again.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import EventStatus, GroupPlanStatus

MANAGE = "activities.manage_events"
APPROVE_GROUPS = "activities.approve_group_plans"


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    permission: str  # members.access permission at the object's unit
    label: str | Promise
    style: str = "outline-primary"  # the button's Bootstrap style


EVENT_TRANSITIONS: tuple[Transition, ...] = (
    Transition("open", EventStatus.PLANNED, EventStatus.OPEN, MANAGE, _("开放报名"), "primary"),
    Transition("pause", EventStatus.OPEN, EventStatus.PLANNED, MANAGE, _("暂停报名")),
    Transition("start", EventStatus.OPEN, EventStatus.RUNNING, MANAGE, _("开始活动（截止报名）"), "primary"),
    Transition("finish", EventStatus.RUNNING, EventStatus.FINISHED, MANAGE, _("结束活动"), "primary"),
    Transition("cancel", EventStatus.PLANNED, EventStatus.CANCELLED, MANAGE, _("取消活动"), "outline-danger"),
    Transition("cancel", EventStatus.OPEN, EventStatus.CANCELLED, MANAGE, _("取消活动"), "outline-danger"),
    Transition("cancel", EventStatus.RUNNING, EventStatus.CANCELLED, MANAGE, _("取消活动"), "outline-danger"),
)

GROUP_PLAN_TRANSITIONS: tuple[Transition, ...] = (
    # "submit" is checked by the service: the group's leader, or an organiser of its unit.
    Transition("submit", GroupPlanStatus.DRAFT, GroupPlanStatus.SUBMITTED, MANAGE, _("提交审批"), "primary"),
    Transition("submit", GroupPlanStatus.RETURNED, GroupPlanStatus.SUBMITTED, MANAGE, _("重新提交"), "primary"),
    Transition("approve", GroupPlanStatus.SUBMITTED, GroupPlanStatus.APPROVED, APPROVE_GROUPS, _("批准"), "success"),
    Transition(
        "return", GroupPlanStatus.SUBMITTED, GroupPlanStatus.RETURNED, APPROVE_GROUPS, _("退回"), "outline-danger"
    ),
)

# Sign-up is taken while the event is 报名中 (and inside its window); cancelling until it starts.
SIGNUP_STATUSES = frozenset({EventStatus.OPEN})
CANCELLABLE_STATUSES = frozenset({EventStatus.PLANNED, EventStatus.OPEN})
# The organiser checks people in on the day.
CHECK_IN_STATUSES = frozenset({EventStatus.OPEN, EventStatus.RUNNING})
# A group plan's text and budget may change only before it is submitted (or after it is sent back).
GROUP_PLAN_EDITABLE = frozenset({GroupPlanStatus.DRAFT, GroupPlanStatus.RETURNED})


def find(table: tuple[Transition, ...], action: str, source: str) -> Transition | None:
    return next((t for t in table if t.action == action and t.source == source), None)


def available(table: tuple[Transition, ...], source: str) -> list[Transition]:
    return [t for t in table if t.source == source]
