"""The plan workflow in one table: code, buttons and docs all read it.

草稿 → 审议中 (submitted to the committee) → 已批准 → 执行中 → 已归档; 审议中 can be sent back to
草稿. An approved (or running) plan is changed only through a new version, which starts as a
draft; approving the new version archives the one it replaces.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import PlanStatus


@dataclass(frozen=True)
class Transition:
    action: str  # URL/service name: submit, send_back, approve, start, archive
    source: PlanStatus
    target: PlanStatus
    permission: str  # members.access permission at the plan's unit
    label: str | Promise


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", PlanStatus.DRAFT, PlanStatus.REVIEW, "plans.edit_plan", _("提交审议")),
    Transition("send_back", PlanStatus.REVIEW, PlanStatus.DRAFT, "plans.approve_plan", _("退回修改")),
    Transition("approve", PlanStatus.REVIEW, PlanStatus.APPROVED, "plans.approve_plan", _("批准")),
    Transition("start", PlanStatus.APPROVED, PlanStatus.ACTIVE, "plans.approve_plan", _("开始执行")),
    Transition("archive", PlanStatus.ACTIVE, PlanStatus.ARCHIVED, "plans.approve_plan", _("归档")),
)

# Only a draft's content may change; everything later goes through a new version.
EDITABLE_STATUSES = frozenset({PlanStatus.DRAFT})
# Progress (item status and notes) is recorded while the plan is being carried out.
TRACKABLE_STATUSES = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE})
# A new version may be started from these.
VERSIONABLE_STATUSES = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE})


def transition(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def available(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
