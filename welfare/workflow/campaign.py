"""The 金秋助学 application workflow in one table (like aid.py for aid applications; the
kernel is union_office/workflow.py).

草稿 → 已提交 → 基层工会审核通过 → 已入户核实 (the base union's home visit) → 上级工会审核通过 →
审定 (with a tier) → 公示中 → 已发放; 已驳回 / 已撤回 on the way. `at` says where the permission is
needed: "unit" is the parent's own union (and those above it), "campaign" the upper union that
runs the campaign, "books" the unit whose books carry the campaign's money (its treasurer pays).

A decision of the upper union is not undone below it: once the county has reviewed, only the
county may 驳回 (a 分工会 cannot, and the payment rows the county's 审定 made stay as they are).
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access
from union_office import crypto
from union_office.workflow import SUBJECT, Guard, Notice, Transition

from .. import uploads
from ..models import CampaignTier, StudentApplication, StudentState
from ..models.campaign import GRANTED_STATES
from .aid import NO_OPEN_OBJECTION, rejecting

S = StudentState
IN_PROGRESS = (S.SUBMITTED, S.BASE_REVIEWED, S.VISITED, S.UPPER_REVIEWED)
REVIEW = "welfare.review_aid"
DECIDE = "welfare.decide_aid"
PAY = "finance.change_ledger"
TOLD_APPLICANT = "welfare.aid_decided"
YOUR_TURN = "welfare.aid_turn"

TO_APPLICANT = "applicant"
TO_UNIT_REVIEWERS = "unit_reviewers"
TO_CAMPAIGN_REVIEWERS = "campaign_reviewers"
TO_CAMPAIGN_DECIDERS = "campaign_deciders"
TO_PAYERS = "payers"


def _window_open(application: StudentApplication, fields) -> str | None:
    campaign, today = application.campaign, timezone.localdate()
    if today < campaign.opens_on:
        return _("“%(c)s”%(day)s 才开始接受申请。") % {"c": campaign, "day": campaign.opens_on}
    if today > campaign.deadline:
        return _("“%(c)s”的申请已于 %(day)s 截止，不再接受申请。") % {"c": campaign, "day": campaign.deadline}
    return None


def _notice_over(application: StudentApplication, fields) -> str | None:
    ends = application.notice_ends_on
    if ends is None:
        return _("尚未公示，公示期满后才能发放。")
    if timezone.localdate() <= ends:
        return _("公示期到 %(day)s 结束，%(next)s 起可以发放（期满后才能发放）。") % {
            "day": ends,
            "next": ends + dt.timedelta(days=1),
        }
    return None


def _documents_complete(application: StudentApplication, fields) -> str | None:
    have = set(uploads.attachments_of(application).values_list("label", flat=True))
    missing = [label for label in application.campaign.documents_for(application.applicant_type) if label not in have]
    if missing:
        return _("还缺少以下材料：%(list)s。") % {"list": "、".join(missing)}
    return None


def _not_applied_twice(application: StudentApplication, fields) -> str | None:
    if application.state == S.DRAFT and (
        StudentApplication.objects.filter(
            campaign_id=application.campaign_id,
            student_id_hash__in=crypto.keyed_hashes(application.student_id),
            state__in=IN_PROGRESS,
        )
        .exclude(pk=application.pk)
        .exists()
    ):
        return _("本次活动已有这名学生的申请，不能重复申请。")
    return None


def _not_aided_twice(application: StudentApplication, fields) -> str | None:
    """Checked last, so whether a student was aided anywhere is answered only to a complete
    application; the earlier campaign is named only to its parent or to someone who may read it
    (another union's aid is not disclosed). The partial unique index on the student's ID hash is
    the last word under a race."""
    earlier = (
        StudentApplication.objects.filter(
            student_id_hash__in=crypto.keyed_hashes(application.student_id), state__in=GRANTED_STATES
        )
        .exclude(pk=application.pk)
        .select_related("campaign", "member")
        .first()
    )
    if earlier is None:
        return None
    actor = fields.get("actor")
    if actor is not None and (
        earlier.member.user_id == actor.pk or access.can(actor, "welfare.view_aid", earlier.org_unit)
    ):
        return _("学生%(name)s已在“%(campaign)s”中获得资助，同一学生不能重复资助。") % {
            "name": application.student_name,
            "campaign": earlier.campaign.title,
        }
    return _("学生%(name)s已获得过金秋助学资助，同一学生不能重复资助。") % {"name": application.student_name}


def _quota_left(application: StudentApplication, fields) -> str | None:
    if fields.get("preview"):
        return None
    # Locked after the application (the lock order): approvals of one tier queue here, so the
    # count of places taken is read by one approval at a time.
    tier = CampaignTier.objects.select_for_update().filter(pk=fields.get("tier_id"), campaign=application.campaign_id)
    tier = tier.first()
    if tier is None:
        return _("请选择本次活动的资助档次。")
    taken = StudentApplication.objects.filter(tier=tier, state__in=GRANTED_STATES).count()
    if taken >= tier.quota:
        return _("“%(tier)s”名额已满（%(quota)d 名），不能再审定到这一档。") % {"tier": tier.name, "quota": tier.quota}
    return None


WINDOW_OPEN = Guard("application_window_open", _("在申请期内"), _window_open)
NOTICE_OVER = Guard("notice_over", _("公示期已满"), _notice_over)
DOCUMENTS_COMPLETE = Guard("documents_complete", _("所需材料齐全"), _documents_complete)
NOT_APPLIED_TWICE = Guard("not_applied_twice", _("本次活动没有这名学生的其他申请"), _not_applied_twice)
NOT_AIDED_TWICE = Guard("not_aided_twice", _("同一学生没有获得过资助"), _not_aided_twice)
QUOTA_LEFT = Guard("tier_quota_left", _("所选档次尚有名额"), _quota_left)

_early = (S.SUBMITTED, S.BASE_REVIEWED, S.VISITED)
_rejected = Notice(TO_APPLICANT, _("您的金秋助学申请未获通过"), TOLD_APPLICANT)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        (S.DRAFT,),
        S.SUBMITTED,
        SUBJECT,
        _("提交申请"),
        also=REVIEW,
        guards=(WINDOW_OPEN, DOCUMENTS_COMPLETE, NOT_APPLIED_TWICE, NOT_AIDED_TWICE),
        notify=(Notice(TO_UNIT_REVIEWERS, _("待基层工会审核：%(obj)s"), YOUR_TURN),),
        done=_("申请已提交"),
    ),
    Transition(
        "base_review",
        (S.SUBMITTED,),
        S.BASE_REVIEWED,
        REVIEW,
        _("基层工会审核通过"),
        notify=(
            Notice(TO_APPLICANT, _("您的金秋助学申请已通过基层工会审核"), TOLD_APPLICANT),
            Notice(TO_UNIT_REVIEWERS, _("待入户核实：%(obj)s"), YOUR_TURN),
        ),
    ),
    Transition(
        "home_visit",
        (S.BASE_REVIEWED,),
        S.VISITED,
        REVIEW,
        _("登记入户核实"),
        notify=(Notice(TO_CAMPAIGN_REVIEWERS, _("待上级工会审核：%(obj)s"), YOUR_TURN),),
        done=_("入户核实已登记"),
    ),
    Transition(
        "upper_review",
        (S.VISITED,),
        S.UPPER_REVIEWED,
        REVIEW,
        _("上级工会审核通过"),
        at="campaign",
        notify=(
            Notice(TO_APPLICANT, _("您的金秋助学申请已通过上级工会审核"), TOLD_APPLICANT),
            Notice(TO_CAMPAIGN_DECIDERS, _("待审定：%(obj)s"), YOUR_TURN),
        ),
    ),
    Transition(
        "approve",
        (S.UPPER_REVIEWED,),
        S.APPROVED,
        DECIDE,
        _("审定"),
        at="campaign",
        guards=(NOT_AIDED_TWICE, QUOTA_LEFT),
        notify=(
            Notice(TO_APPLICANT, _("您的金秋助学申请已审定，即将公示"), TOLD_APPLICANT),
            Notice(TO_CAMPAIGN_REVIEWERS, _("待公示：%(obj)s"), YOUR_TURN),
        ),
        confirm=_("审定后占用所选档次的一个名额，并生成各年度的资助。"),
        done=_("已审定"),
    ),
    Transition(
        "publish",
        (S.APPROVED,),
        S.NOTICE,
        REVIEW,
        _("开始公示"),
        at="campaign",
        notify=(
            Notice(TO_APPLICANT, _("您的金秋助学申请开始公示"), TOLD_APPLICANT),
            Notice(TO_PAYERS, _("公示期满后待发放：%(obj)s"), YOUR_TURN),
        ),
        done=_("公示已开始"),
    ),
    Transition(
        "pay",
        (S.NOTICE,),
        S.PAID,
        PAY,
        _("发放首年资助"),
        at="books",
        guards=(NOTICE_OVER, NO_OPEN_OBJECTION),
        not_by=("approve",),
        notify=(Notice(TO_APPLICANT, _("您的金秋助学首年资助已发放"), TOLD_APPLICANT),),
        confirm=_("将在主办工会的经费账“困难职工帮扶”科目记一笔支出，发放后不能撤销。"),
        done=_("首年资助已发放并记账"),
        style="success",
    ),
    Transition("reject", _early, S.REJECTED, REVIEW, _("驳回"), **rejecting(_rejected)),
    # After the upper union's review the case is the upper union's: a lower unit cannot undo it.
    Transition(
        "reject",
        (S.UPPER_REVIEWED, S.APPROVED, S.NOTICE),
        S.REJECTED,
        REVIEW,
        _("驳回"),
        at="campaign",
        **rejecting(_rejected, _("驳回后申请结束，尚未发放的各年度资助一并取消，不能恢复。")),
    ),
    Transition(
        "withdraw",
        (S.DRAFT, *_early),
        S.WITHDRAWN,
        SUBJECT,
        _("撤回申请"),
        confirm=_("撤回后申请结束。"),
        done=_("申请已撤回"),
        style="outline-secondary",
        todo=False,
    ),
)
