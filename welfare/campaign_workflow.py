"""The 金秋助学 application workflow in one table (like workflow.py for aid applications).

草稿 → 已提交 → 基层工会审核通过 → 已入户核实 (the base union's home visit) → 上级工会审核通过 →
审定 (with a tier) → 公示中 → 已发放; 已驳回 / 已撤回 on the way. `at` says where the permission is
needed: "unit" is the parent's own union (and those above it), "campaign" the upper union that
runs the campaign.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import StudentState

S = StudentState
APPLICANT = "applicant"
REVIEW = "welfare.review_aid"
DECIDE = "welfare.decide_aid"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[StudentState, ...]
    target: StudentState
    actor: str  # APPLICANT or a permission
    at: str  # "unit" or "campaign"
    label: str | Promise
    needs_comment: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (S.DRAFT,), S.SUBMITTED, APPLICANT, "unit", _("提交申请")),
    Transition("base_review", (S.SUBMITTED,), S.BASE_REVIEWED, REVIEW, "unit", _("基层工会审核通过")),
    Transition("home_visit", (S.BASE_REVIEWED,), S.VISITED, REVIEW, "unit", _("登记入户核实")),
    Transition("upper_review", (S.VISITED,), S.UPPER_REVIEWED, REVIEW, "campaign", _("上级工会审核通过")),
    Transition("approve", (S.UPPER_REVIEWED,), S.APPROVED, DECIDE, "campaign", _("审定")),
    Transition("publish", (S.APPROVED,), S.NOTICE, REVIEW, "campaign", _("开始公示")),
    Transition("pay", (S.NOTICE,), S.PAID, REVIEW, "campaign", _("发放首年资助")),
    Transition(
        "reject",
        (S.SUBMITTED, S.BASE_REVIEWED, S.VISITED, S.UPPER_REVIEWED, S.APPROVED, S.NOTICE),
        S.REJECTED,
        REVIEW,
        "unit",
        _("驳回"),
        needs_comment=True,
    ),
    Transition(
        "withdraw", (S.DRAFT, S.SUBMITTED, S.BASE_REVIEWED, S.VISITED), S.WITHDRAWN, APPLICANT, "unit", _("撤回申请")
    ),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}


def available(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if state in t.sources]
