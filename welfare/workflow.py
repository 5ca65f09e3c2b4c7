"""The aid application workflow in one table: the services, the buttons and docs/welfare.md read it.

草稿 → 已提交 → 初审通过 → 入户核实 → 审定 → 公示中 → 已发放, and 已驳回 / 已撤回 on the way.
`actors` says who may make the move: "applicant" (the member, or whoever entered the application
for them) and/or a members.access permission held at the application's unit.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AidState

S = AidState
APPLICANT = "applicant"
REVIEW = "welfare.review_aid"
DECIDE = "welfare.decide_aid"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[AidState, ...]
    target: AidState
    actors: frozenset[str]
    label: str | Promise
    style: str = "primary"
    # A comment is required (驳回 says why).
    needs_comment: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (S.DRAFT,), S.SUBMITTED, frozenset({APPLICANT, REVIEW}), _("提交申请")),
    Transition("screen", (S.SUBMITTED,), S.SCREENED, frozenset({REVIEW}), _("初审通过")),
    Transition("verify", (S.SCREENED,), S.VERIFIED, frozenset({REVIEW}), _("登记入户核实")),
    Transition("decide", (S.VERIFIED,), S.APPROVED, frozenset({DECIDE}), _("审定")),
    Transition("publish", (S.APPROVED,), S.NOTICE, frozenset({REVIEW}), _("开始公示")),
    Transition("pay", (S.NOTICE,), S.PAID, frozenset({REVIEW}), _("发放并记账"), "success"),
    Transition(
        "reject",
        (S.SUBMITTED, S.SCREENED, S.VERIFIED, S.APPROVED, S.NOTICE),
        S.REJECTED,
        frozenset({REVIEW}),
        _("驳回"),
        "outline-danger",
        needs_comment=True,
    ),
    Transition(
        "withdraw",
        (S.DRAFT, S.SUBMITTED, S.SCREENED, S.VERIFIED),
        S.WITHDRAWN,
        frozenset({APPLICANT}),
        _("撤回申请"),
        "outline-secondary",
    ),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}

# The happy path, for the progress bar.
MAIN_PATH = (S.DRAFT, S.SUBMITTED, S.SCREENED, S.VERIFIED, S.APPROVED, S.NOTICE, S.PAID)
FINAL_STATES = frozenset({S.PAID, S.REJECTED, S.WITHDRAWN})
# Attachments may be added until the reviewers start checking them.
EDITABLE_STATES = frozenset({S.DRAFT, S.SUBMITTED})


def transition(action: str) -> Transition | None:
    return BY_ACTION.get(action)


def available(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if state in t.sources]
