"""The motion workflow in one table: services, buttons and docs/congress.md all read it.

草稿 → 征集附议 → 已提交 → 审查中 → 已立案 / 不予立案 / 已合并 → 已交办 → 已答复 →
提案人评价 (满意/基本满意 → 已评价; 不满意 → back to 已交办 for a second reply) → 已办结.

`who` says who may make the move:
- "proposer": the motion's first proposer (a delegate's own login);
- "committee": congress.review_motions at the session's unit (提案工作委员会, the chair);
- "handler": congress.reply_motions with a grant for the motion's lead department.
"""

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import MotionStatus as S

Who = Literal["proposer", "committee", "handler"]


@dataclass(frozen=True)
class Transition:
    action: str
    source: S
    target: S
    who: Who
    label: str | Promise


TRANSITIONS: tuple[Transition, ...] = (
    Transition("collect", S.DRAFT, S.COLLECTING, "proposer", _("征集附议")),
    Transition("recall", S.COLLECTING, S.DRAFT, "proposer", _("撤回修改")),
    Transition("submit", S.DRAFT, S.SUBMITTED, "proposer", _("提交提案")),
    Transition("submit", S.COLLECTING, S.SUBMITTED, "proposer", _("提交提案")),
    Transition("review", S.SUBMITTED, S.REVIEWING, "committee", _("开始审查")),
    Transition("register", S.REVIEWING, S.REGISTERED, "committee", _("立案")),
    Transition("reject", S.REVIEWING, S.REJECTED, "committee", _("不予立案")),
    Transition("merge", S.REVIEWING, S.MERGED, "committee", _("合并")),
    Transition("assign", S.REGISTERED, S.ASSIGNED, "committee", _("交办")),
    Transition("reply", S.ASSIGNED, S.REPLIED, "handler", _("答复")),
    Transition("rate", S.REPLIED, S.EVALUATED, "proposer", _("评价答复")),
    # 不满意: the departments reply once more (round 2); a second 不满意 is recorded and the
    # committee decides (办结) — a motion does not bounce between proposer and department forever.
    Transition("reopen", S.REPLIED, S.ASSIGNED, "proposer", _("不满意，要求再次办理")),
    Transition("close", S.EVALUATED, S.CLOSED, "committee", _("办结")),
    Transition("close", S.REPLIED, S.CLOSED, "committee", _("办结")),
)

ACTIONS = frozenset(t.action for t in TRANSITIONS)
# How many reply rounds a 不满意 may ask for.
MAX_ROUNDS = 2
# The proposer may edit the text (and invite co-signers) only here.
EDITABLE = frozenset({S.DRAFT, S.COLLECTING})
# Before registration a motion is read only by its proposer, co-signers and the committee.
PRIVATE = frozenset({S.DRAFT, S.COLLECTING, S.SUBMITTED, S.REVIEWING, S.REJECTED})
# In the department's hands.
HANDLING = frozenset({S.ASSIGNED})
# Registered motions, in the 提案汇编 and the handling table.
REGISTERED = frozenset({S.REGISTERED, S.ASSIGNED, S.REPLIED, S.EVALUATED, S.CLOSED})


def transition(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def available(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def label(action: str) -> str:
    return str(next(t.label for t in TRANSITIONS if t.action == action))
