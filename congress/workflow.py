"""The motion workflow in one table (the kernel is union_office/workflow.py): the services, the
buttons, the 待办 list and docs/congress.md all read it.

草稿 → 征集附议 → 已提交 → 审查中 → 已立案 / 不予立案 / 已合并 → 已交办 → 已答复 →
提案人评价 (满意/基本满意 → 已评价; 不满意 → back to 已交办 for a second reply) → 已办结.

Who moves it:
- the motion's first proposer (SUBJECT: a delegate's own login);
- an invited co-signer (`COSIGN`: an open invitation on this motion) — 附议 keeps the state;
- the committee: congress.review_motions at the session's unit (提案工作委员会, the chair);
- the handler: congress.reply_motions with a grant for the motion's lead department.

Nobody takes a committee or handler step on their own motion (the kernel's own-case rule).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office.workflow import SUBJECT, Guard, Notice, Transition

from .models import MotionStatus as S

REVIEW = "congress.review_motions"
REPLY = "congress.reply_motions"
# The pseudo-permission of 附议: an open invitation of the user on the motion.
COSIGN = "congress.cosign"

# Notification kinds, each muted on its own.
INVITED_KIND = "congress.cosign_invited"
DECIDED_KIND = "congress.motion_decided"
ASSIGNED_KIND = "congress.motion_assigned"
REPLIED_KIND = "congress.motion_replied"
YOUR_TURN = "congress.motion_turn"

TO_PROPOSER = "proposer"
TO_AUTHOR = "author"  # the member whose 意见建议 the motion came from
TO_INVITED = "invited"
TO_COMMITTEE = "committee"
TO_HANDLERS = "handlers"

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
# Motion fields a submission needs filled.
TEXT_FIELDS = ("title", "category", "reason", "proposal")


def _window_open(motion, fields) -> str | None:
    session = motion.session
    if session.window_open(fields.get("today") or timezone.localdate()):
        return None
    return _("提案征集期为 %(start)s 至 %(end)s，现在不在征集期内，不能提交。") % {
        "start": session.motions_open_on.isoformat(),
        "end": session.motions_close_on.isoformat(),
    }


def _enough_cosigners(motion, fields) -> str | None:
    confirmed = motion.cosigners.filter(confirmed_at__isnull=False).count()
    if confirmed < motion.session.min_cosigners:
        return _("本届提案需要至少 %(needed)s 名代表附议，目前已确认 %(confirmed)s 名。") % {
            "needed": motion.session.min_cosigners,
            "confirmed": confirmed,
        }
    return None


def _text_complete(motion, fields) -> str | None:
    for name in TEXT_FIELDS:
        if not str(getattr(motion, name)).strip():
            return _("请先填写“%(field)s”再提交。") % {"field": motion._meta.get_field(name).verbose_name}
    return None


def _not_confirmed(motion, fields) -> str | None:
    actor = fields.get("actor")
    if motion.cosigners.filter(delegate__member__user=actor, confirmed_at__isnull=False).exists():
        return _("您已确认附议这件提案。")
    return None


def _second_round_left(motion, fields) -> str | None:
    if motion.round >= MAX_ROUNDS:
        return _("已办理 %(n)s 轮，不能再要求再次办理；请评价，由提案工作委员会决定办结。") % {"n": MAX_ROUNDS}
    return None


def _merge_target(motion, fields) -> str | None:
    target = fields.get("into")
    if target is None:
        return None if fields.get("preview") else _("请选择要并入的提案。")
    if target.pk == motion.pk:
        return _("提案不能并入它自己。")
    if target.session_id != motion.session_id:
        return _("只能并入同一届次的提案。")
    if target.status not in {S.REVIEWING} | REGISTERED:
        return _("目标提案状态为“%(status)s”，不能接收合并。") % {"status": target.get_status_display()}
    return None


WINDOW_OPEN = Guard("window_open", _("在提案征集期内"), _window_open)
ENOUGH_COSIGNERS = Guard("enough_cosigners", _("确认附议的代表达到本届人数"), _enough_cosigners)
TEXT_COMPLETE = Guard("text_complete", _("案题、类别、案由、建议均已填写"), _text_complete)
NOT_CONFIRMED = Guard("not_cosigned_yet", _("尚未确认附议"), _not_confirmed)
SECOND_ROUND_LEFT = Guard("second_round_left", _("还有一轮再次办理"), _second_round_left)
MERGE_TARGET = Guard("merge_target", _("目标为同届次审查中或已立案的提案"), _merge_target)

_submit = {
    "guards": (WINDOW_OPEN, ENOUGH_COSIGNERS, TEXT_COMPLETE),
    "notify": (Notice(TO_COMMITTEE, _("待审查的提案：《%(title)s》")),),
    "confirm": _("提交后提案不能再修改，附议也不能撤回。"),
    "done": _("提案已提交"),
    "style": "danger",
}
_close = {
    "notify": (Notice(TO_PROPOSER, _("您的提案 %(number)s《%(title)s》已办结"), DECIDED_KIND),),
    "confirm": _("办结后提案不再办理。"),
    "done": _("提案已办结"),
    "style": "success",
}

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "collect",
        (S.DRAFT,),
        S.COLLECTING,
        SUBJECT,
        _("征集附议"),
        notify=(Notice(TO_INVITED, _("%(proposer)s已开始征集附议，请附议提案《%(title)s》"), INVITED_KIND),),
        done=_("已开始征集附议"),
        todo=False,
    ),
    Transition("recall", (S.COLLECTING,), S.DRAFT, SUBJECT, _("撤回修改"), style="outline-secondary", todo=False),
    Transition(
        "cosign",
        (S.COLLECTING,),
        S.COLLECTING,
        COSIGN,
        _("附议"),
        guards=(NOT_CONFIRMED,),
        at="invitation",
        done=_("已确认附议"),
    ),
    Transition("submit", (S.DRAFT, S.COLLECTING), S.SUBMITTED, SUBJECT, _("提交提案"), todo=False, **_submit),
    Transition("review", (S.SUBMITTED,), S.REVIEWING, REVIEW, _("开始审查"), done=_("已开始审查")),
    Transition(
        "register",
        (S.REVIEWING,),
        S.REGISTERED,
        REVIEW,
        _("立案"),
        notify=(
            Notice(TO_PROPOSER, _("您的提案《%(title)s》已立案，编号 %(number)s"), DECIDED_KIND),
            Notice(TO_AUTHOR, _("您的意见建议转成的提案《%(title)s》已立案，编号 %(number)s"), DECIDED_KIND),
        ),
        confirm=_("立案后提案取得本届提案号，在提案汇编中公开，不能撤销。"),
        done=_("已立案"),
        style="success",
    ),
    Transition(
        "reject",
        (S.REVIEWING,),
        S.REJECTED,
        REVIEW,
        _("不予立案"),
        notify=(
            Notice(TO_PROPOSER, _("您的提案《%(title)s》不予立案，已转为意见建议"), DECIDED_KIND),
            Notice(TO_AUTHOR, _("您的意见建议转成的提案《%(title)s》不予立案"), DECIDED_KIND),
        ),
        confirm=_("不予立案后提案转为意见建议，不能恢复。"),
        done=_("已不予立案"),
        style="outline-danger",
        todo=False,
    ),
    Transition(
        "merge",
        (S.REVIEWING,),
        S.MERGED,
        REVIEW,
        _("合并"),
        guards=(MERGE_TARGET,),
        notify=(Notice(TO_PROPOSER, _("您的提案《%(title)s》已并入另一件提案，您成为其联名提案人"), DECIDED_KIND),),
        confirm=_("合并后本提案的提案人成为目标提案的联名提案人，不能拆分。"),
        done=_("已合并"),
        style="outline-secondary",
        todo=False,
    ),
    Transition(
        "assign",
        (S.REGISTERED,),
        S.ASSIGNED,
        REVIEW,
        _("交办"),
        notify=(
            Notice(TO_HANDLERS, _("提案 %(number)s《%(title)s》已交办贵部门，请于 %(due)s 前答复"), ASSIGNED_KIND),
            Notice(TO_PROPOSER, _("您的提案《%(title)s》已交办%(department)s办理"), DECIDED_KIND),
            Notice(TO_AUTHOR, _("您的意见建议转成的提案《%(title)s》已交办%(department)s办理"), DECIDED_KIND),
        ),
        done=_("已交办"),
    ),
    Transition(
        "reply",
        (S.ASSIGNED,),
        S.REPLIED,
        REPLY,
        _("答复"),
        at="lead_department",
        notify=(
            Notice(TO_PROPOSER, _("您的提案 %(number)s《%(title)s》已答复，请评价"), REPLIED_KIND),
            Notice(TO_AUTHOR, _("您的意见建议转成的提案《%(title)s》已答复"), DECIDED_KIND),
        ),
        done=_("已答复"),
    ),
    Transition(
        "rate",
        (S.REPLIED,),
        S.EVALUATED,
        SUBJECT,
        _("评价答复"),
        notify=(Notice(TO_COMMITTEE, _("提案 %(number)s《%(title)s》已评价，待办结")),),
        done=_("已评价"),
    ),
    # 不满意: the departments reply once more (round 2); a second 不满意 is recorded (rate) and the
    # committee decides (办结) — a motion does not bounce between proposer and department forever.
    Transition(
        "reopen",
        (S.REPLIED,),
        S.ASSIGNED,
        SUBJECT,
        _("不满意，要求再次办理"),
        guards=(SECOND_ROUND_LEFT,),
        notify=(
            Notice(
                TO_HANDLERS, _("提案 %(number)s《%(title)s》的提案人不满意，请于 %(due)s 前再次答复"), ASSIGNED_KIND
            ),
        ),
        done=_("已要求再次办理"),
        todo=False,
    ),
    Transition("close", (S.EVALUATED,), S.CLOSED, REVIEW, _("办结"), **_close),
    # A replied motion the proposer never rates may be closed too; it is not on the 待办 list until rated.
    Transition("close", (S.REPLIED,), S.CLOSED, REVIEW, _("办结"), todo=False, **_close),
)

ACTIONS = frozenset(t.action for t in TRANSITIONS)
# The moves the proposer's 待办 list shows (SUBJECT moves are not staff steps).
PROPOSER_TODO = frozenset({"rate"})


def label(action: str) -> str:
    return str(next(t.label for t in TRANSITIONS if t.action == action))
