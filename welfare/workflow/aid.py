"""The aid application workflow in one table: the services, the buttons, the 待办 list and
docs/welfare.md read it (the kernel is union_office/workflow.py).

草稿 → 已提交 → 初审通过 → 入户核实 → 审定 → 公示中 → 已发放, and 已驳回 / 已撤回 on the way.

Separation of duties, as data: nobody takes a staff step on their own application (the kernel's
rule); 发放 needs the paying unit's finance role (`at="books"`: the 基层工会 whose books carry the
application's unit) and is refused to whoever took 审定; once the chair has decided (审定), only
someone who may decide can 驳回 it — a reviewer of a 分工会 cannot undo the chair's decision.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office.workflow import SUBJECT, Guard, Notice, Transition

from ..models import AidApplication, AidState

S = AidState
REVIEW = "welfare.review_aid"
DECIDE = "welfare.decide_aid"
PAY = "finance.change_ledger"  # at the paying unit: 发放 is booked by its treasurer
# Notification kinds (each muted on its own): the applicant's own case, and "your turn".
TOLD_APPLICANT = "welfare.aid_decided"
YOUR_TURN = "welfare.aid_turn"


def _notice_over(application: AidApplication, fields) -> str | None:
    ends = application.notice_ends_on
    if ends is None or timezone.localdate() <= ends:
        if ends is None:
            return _("尚未公示，公示期满后才能发放。")
        return _("公示期到 %(day)s 结束，%(next)s 起可以发放。") % {"day": ends, "next": ends + dt.timedelta(days=1)}
    return None


def open_objections(application) -> str | None:
    """The 公示 guard of aid and 金秋助学 alike: every objection resolved before payment."""
    count = application.objections.filter(resolved_at__isnull=True).count()
    if count:
        return _("公示期间收到 %(n)d 条异议尚未处理，处理完毕后才能发放。") % {"n": count}
    return None


def _amount_within_request(application: AidApplication, fields) -> str | None:
    amount = fields.get("amount_granted")
    if amount in (None, "") or fields.get("preview"):
        return None
    try:
        granted = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        return None  # the service's money check says what is wrong with it
    if granted > application.amount_requested:
        return _("审定金额不能超过申请金额 %(asked)s 元。") % {"asked": application.amount_requested}
    return None


NOTICE_OVER = Guard("notice_over", _("公示期已满"), _notice_over)
NO_OPEN_OBJECTION = Guard("no_open_objection", _("公示异议已全部处理"), lambda a, f: open_objections(a))
AMOUNT_WITHIN_REQUEST = Guard("amount_within_request", _("审定金额不超过申请金额"), _amount_within_request)

TO_APPLICANT = "applicant"
TO_REVIEWERS = "reviewers"
TO_DECIDERS = "deciders"
TO_PAYERS = "payers"

_before_decision = (S.SUBMITTED, S.SCREENED, S.VERIFIED)


REJECT_CONFIRM = _("驳回后申请结束，不能恢复。")


def rejecting(notice: Notice, confirm=REJECT_CONFIRM) -> dict:
    """What every 驳回 row of the welfare tables shares: a reason, a confirmation, the applicant told."""
    return {
        "notify": (notice,),
        "confirm": confirm,
        "done": _("已驳回"),
        "style": "outline-danger",
        "needs_comment": True,
        "todo": False,
    }


REJECTING = rejecting(Notice(TO_APPLICANT, _("您的帮扶申请未获通过"), TOLD_APPLICANT))

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (S.DRAFT,),
        S.SUBMITTED,
        SUBJECT,
        _("提交申请"),
        also=REVIEW,
        notify=(Notice(TO_REVIEWERS, _("待初审：%(obj)s"), YOUR_TURN),),
        done=_("申请已提交"),
    ),
    Transition(
        "screen",
        (S.SUBMITTED,),
        S.SCREENED,
        REVIEW,
        _("初审通过"),
        notify=(
            Notice(TO_APPLICANT, _("您的帮扶申请已通过初审"), TOLD_APPLICANT),
            Notice(TO_REVIEWERS, _("待入户核实：%(obj)s"), YOUR_TURN),
        ),
    ),
    Transition(
        "verify",
        (S.SCREENED,),
        S.VERIFIED,
        REVIEW,
        _("登记入户核实"),
        notify=(Notice(TO_DECIDERS, _("待审定：%(obj)s"), YOUR_TURN),),
        done=_("入户核实已登记"),
    ),
    Transition(
        "decide",
        (S.VERIFIED,),
        S.APPROVED,
        DECIDE,
        _("审定"),
        guards=(AMOUNT_WITHIN_REQUEST,),
        notify=(
            Notice(TO_APPLICANT, _("您的帮扶申请已审定，即将公示"), TOLD_APPLICANT),
            Notice(TO_REVIEWERS, _("待公示：%(obj)s"), YOUR_TURN),
        ),
        confirm=_("审定后金额确定，进入公示。"),
        done=_("已审定"),
    ),
    Transition(
        "publish",
        (S.APPROVED,),
        S.NOTICE,
        REVIEW,
        _("开始公示"),
        notify=(
            Notice(TO_APPLICANT, _("您的帮扶申请开始公示"), TOLD_APPLICANT),
            Notice(TO_PAYERS, _("公示期满后待发放：%(obj)s"), YOUR_TURN),
        ),
        done=_("公示已开始"),
    ),
    Transition(
        "pay",
        (S.NOTICE,),
        S.PAID,
        PAY,
        _("发放并记账"),
        at="books",
        guards=(NOTICE_OVER, NO_OPEN_OBJECTION),
        not_by=("decide",),
        notify=(Notice(TO_APPLICANT, _("您的帮扶款已发放"), TOLD_APPLICANT),),
        confirm=_("将按审定金额在经费账“困难职工帮扶”科目记一笔支出，发放后不能撤销。"),
        done=_("已发放并记账"),
        style="success",
    ),
    Transition("reject", _before_decision, S.REJECTED, REVIEW, _("驳回"), **REJECTING),
    # After 审定 the decision is the chair's: a reviewer below cannot undo it.
    Transition("reject", (S.APPROVED, S.NOTICE), S.REJECTED, DECIDE, _("驳回"), **REJECTING),
    Transition(
        "withdraw",
        (S.DRAFT, *_before_decision),
        S.WITHDRAWN,
        SUBJECT,
        _("撤回申请"),
        confirm=_("撤回后申请结束；需要时可以重新申请。"),
        done=_("申请已撤回"),
        style="outline-secondary",
        todo=False,
    ),
)

# The happy path, for the progress bar.
MAIN_PATH = (S.DRAFT, S.SUBMITTED, S.SCREENED, S.VERIFIED, S.APPROVED, S.NOTICE, S.PAID)
FINAL_STATES = frozenset({S.PAID, S.REJECTED, S.WITHDRAWN})
# Attachments may be added until the reviewers start checking them.
EDITABLE_STATES = frozenset({S.DRAFT, S.SUBMITTED})
