"""金秋助学 applications: deadline, document checklist, no student aided twice, tier quotas that hold
under concurrent approvals, 公示, and yearly payments waiting for a 在读证明.

Lock order: the application row, then (on approval) its tier row. Approvals of one tier queue on
the tier's row, so the count of places taken is read by one approval at a time; the partial
unique index on the student's ID hash is the last word on "aided twice".
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import services as finance
from finance.services import bookkeeping_unit
from members import access
from members.idcard import normalize_id_number, validate_id_number
from members.models import Member
from union_office.audit import audit_record
from union_office.notifications import notify, reminder_schedule

from .. import uploads
from ..campaign_workflow import APPLICANT, BY_ACTION, Transition
from ..models import Campaign, CampaignTier, StudentApplication, StudentObjection, StudentPayment, StudentState
from ..models.campaign import GRANTED_STATES
from .common import WelfareError, objection_resolution_record, reviewers_of

PAYOUT_ACCOUNT = "50201"  # 困难职工帮扶 (金秋助学 is paid from it)
IN_PROGRESS = ("submitted", "base_ok", "visited", "upper_ok")
PROOF_KIND = "welfare.enrolment_proof"
PROOF_LABEL = "在读证明"


class CampaignError(WelfareError):
    pass


def campaigns_visible(user: Any) -> QuerySet[Campaign]:
    """Campaigns run by a union at or above one of the user's units, or inside a reviewer's scope:
    the campaign page and its 公示 list are open to them (and so is objecting to that list)."""
    q = Q(pk__in=[])
    for grant in access.grants_for(user):
        q |= Q(org_unit__path__in=access.ancestor_paths(grant.path) + [grant.path])
        q |= Q(org_unit__path__startswith=grant.path)
    if getattr(user, "is_superuser", False):
        q = ~Q(pk__in=[])
    return Campaign.objects.filter(q)


def _student_id(number: str) -> str:
    number = normalize_id_number(number or "")
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise CampaignError(_("学生身份证号有误：%(why)s") % {"why": " ".join(exc.messages)}) from None
    return number


def _aided_before(student_hash: str, *, exclude_pk: int | None = None) -> StudentApplication | None:
    return (
        StudentApplication.objects.filter(student_id_hash=student_hash, state__in=GRANTED_STATES)
        .exclude(pk=exclude_pk)
        .select_related("campaign", "member")
        .first()
    )


def _refuse_if_aided(student_hash: str, name: str, *, actor: Any, exclude_pk: int | None = None) -> None:
    earlier = _aided_before(student_hash, exclude_pk=exclude_pk)
    if earlier is None:
        return
    # Named only to the parent who received it or someone who may read it: anyone else learns
    # neither the campaign nor the union that gave it (issue 17, finding 2).
    if earlier.member.user_id == actor.pk or access.can(actor, "welfare.view_aid", earlier.org_unit):
        raise CampaignError(
            _("学生%(name)s已在“%(campaign)s”中获得资助，同一学生不能重复资助。")
            % {"name": name, "campaign": earlier.campaign.title}
        )
    raise CampaignError(_("学生%(name)s已获得过金秋助学资助，同一学生不能重复资助。") % {"name": name})


def student_apply(
    *,
    actor: Any,
    campaign: Campaign,
    member: Member,
    student_name: str,
    student_id: str,
    school: str,
    admission: str,
    reason: str,
    documents: Iterable[tuple[str, UploadedFile]] = (),
    submit: bool = True,
) -> StudentApplication:
    """A parent applies for their child (or the committee of their union enters it for them)."""
    if member.user_id != actor.pk and not access.can(actor, "welfare.review_aid", member.org_unit):
        raise CampaignError(_("只能为自己的子女申请，或由本单位工会代录。"))
    if not member.org_unit.path.startswith(campaign.org_unit.path):
        raise CampaignError(
            _("“%(campaign)s”只面向%(unit)s所属的工会。") % {"campaign": campaign, "unit": campaign.org_unit}
        )
    student_name, school, admission, reason = (v.strip() for v in (student_name, school, admission, reason))
    if not (student_name and school and admission and reason):
        raise CampaignError(_("请填写学生姓名、录取学校、录取批次和家庭困难情况。"))
    number = _student_id(student_id)
    documents = list(documents)
    for _label, upload in documents:
        uploads.check_upload(upload)
    with transaction.atomic():
        application = StudentApplication(
            campaign=campaign,
            member=member,
            org_unit=member.org_unit,
            student_name=student_name[:50],
            school=school[:100],
            admission=admission[:20],
            reason=reason,
            created_by=actor,
        )
        application.set_student_id(number)
        application.save()
        for label, upload in documents:
            uploads.attach(owner=application, upload=upload, actor=actor, label=label)
        audit_record(actor=actor, action="welfare.student.create", obj=application, changes={"student": student_name})
        if submit:
            application = student_transition(actor=actor, application_id=application.pk, action="submit")
    return application


def may(user: Any, t: Transition, application: StudentApplication) -> bool:
    if t.actor == APPLICANT:
        return application.member.user_id == user.pk or access.can(user, "welfare.review_aid", application.org_unit)
    unit = application.campaign.org_unit if t.at == "campaign" else application.org_unit
    return access.can(user, t.actor, unit)


def student_transition(
    *,
    actor: Any,
    application_id: int,
    action: str,
    comment: str = "",
    tier_id: int | None = None,
    visited_on: dt.date | None = None,
    visitors: str = "",
    findings: str = "",
) -> StudentApplication:
    """One step of the table; `home_visit` takes the visit's date, visitors and findings."""
    t = BY_ACTION.get(action)
    if t is None:
        raise CampaignError(_("未知的操作。"))
    comment = (comment or "").strip()
    with transaction.atomic():
        application = (
            StudentApplication.objects.select_for_update(of=("self",))
            .select_related("campaign__org_unit", "member", "org_unit")
            .get(pk=application_id)
        )
        if not may(actor, t, application):
            raise CampaignError(_("您不能对这份申请执行“%(action)s”。") % {"action": t.label})
        source = application.state
        if source not in t.sources:
            raise CampaignError(
                _("申请当前状态为“%(state)s”，不能“%(action)s”。")
                % {"state": application.get_state_display(), "action": t.label}
            )
        if t.needs_comment and not comment:
            raise CampaignError(_("请填写%(action)s的理由。") % {"action": t.label})
        changes: dict[str, Any] = {"state": [source, t.target]}
        visit = {"visited_on": visited_on, "visitors": visitors, "findings": findings}
        changes |= _apply(application, t, actor=actor, comment=comment, tier_id=tier_id, visit=visit)
        application.state = t.target
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            # Another approval of the same student won the race: the unique index decided.
            raise CampaignError(
                _("学生%(name)s已获得资助，同一学生不能重复资助。") % {"name": application.student_name}
            ) from None
        audit_record(actor=actor, action=f"welfare.student.{t.action}", obj=application, changes=changes)
    return application


def _apply(
    application: StudentApplication, t: Transition, *, actor: Any, comment: str, tier_id: int | None, visit: dict
) -> dict:
    campaign = application.campaign
    today = timezone.localdate()
    if t.action == "home_visit":
        return _record_visit(application, actor=actor, today=today, **visit)
    if t.action == "submit":
        if today < campaign.opens_on:
            raise CampaignError(_("“%(c)s”%(day)s 才开始接受申请。") % {"c": campaign, "day": campaign.opens_on})
        if today > campaign.deadline:
            raise CampaignError(
                _("“%(c)s”的申请已于 %(day)s 截止，不再接受申请。") % {"c": campaign, "day": campaign.deadline}
            )
        have = set(uploads.attachments_of(application).values_list("label", flat=True))
        missing = [label for label in campaign.required_documents if label not in have]
        if missing:
            raise CampaignError(_("还缺少以下材料：%(list)s。") % {"list": "、".join(missing)})
        if (
            StudentApplication.objects.filter(
                campaign=campaign, student_id_hash=application.student_id_hash, state__in=IN_PROGRESS
            )
            .exclude(pk=application.pk)
            .exists()
        ):
            raise CampaignError(_("本次活动已有这名学生的申请，不能重复申请。"))
        # Last: whether a student was aided anywhere is answered only to a complete application.
        _refuse_if_aided(application.student_id_hash, application.student_name, actor=actor)
        application.submitted_at = timezone.now()
        return {}
    if t.action == "approve":
        tier = CampaignTier.objects.select_for_update().filter(pk=tier_id, campaign=campaign).first()
        if tier is None:
            raise CampaignError(_("请选择本次活动的资助档次。"))
        _refuse_if_aided(application.student_id_hash, application.student_name, actor=actor, exclude_pk=application.pk)
        taken = StudentApplication.objects.filter(tier=tier, state__in=GRANTED_STATES).count()
        if taken >= tier.quota:
            raise CampaignError(
                _("“%(tier)s”名额已满（%(quota)d 名），不能再审定到这一档。") % {"tier": tier.name, "quota": tier.quota}
            )
        application.tier = tier
        application.decided_at = timezone.now()
        for year_index in range(1, tier.years + 1):
            payment = StudentPayment.objects.create(
                application=application,
                year_index=year_index,
                due_year=campaign.year + year_index - 1,
                amount=tier.amount,
                status=StudentPayment.Status.READY if year_index == 1 else StudentPayment.Status.WAITING_PROOF,
            )
            if year_index > 1:
                _remind_proof(payment, application)
        return {"tier": tier.name, "amount": str(tier.amount), "years": tier.years}
    if t.action == "publish":
        application.notice_starts_on = today
        application.notice_ends_on = today + dt.timedelta(days=settings.WELFARE_NOTICE_DAYS - 1)
        return {"notice": f"{application.notice_starts_on} – {application.notice_ends_on}"}
    if t.action == "pay":
        if application.notice_ends_on is None or today <= application.notice_ends_on:
            raise CampaignError(_("公示期到 %(day)s 结束，期满后才能发放。") % {"day": application.notice_ends_on})
        open_objections = application.objections.filter(resolved_at__isnull=True).count()
        if open_objections:
            raise CampaignError(_("公示期间收到 %(n)d 条异议尚未处理，处理完毕后才能发放。") % {"n": open_objections})
        payment = application.payments.select_for_update().get(year_index=1)
        _book(payment, application, actor=actor)
        return {"voucher": payment.ledger_entry.voucher_label}
    if t.action in ("reject", "withdraw"):
        application.closing_reason = comment
        application.payments.filter(status__in=["waiting", "ready"]).delete()
        return {"reason": comment} if comment else {}
    return {}


def _record_visit(
    application: StudentApplication, *, actor: Any, today: dt.date, visited_on: Any, visitors: str, findings: str
) -> dict:
    """入户核实: when, who went, what they found. All three are needed to pass the step."""
    visitors, findings = (visitors or "").strip(), (findings or "").strip()
    if not isinstance(visited_on, dt.date):
        raise CampaignError(_("请填写入户核实的日期。"))
    if visited_on > today:
        raise CampaignError(_("入户日期不能晚于今天。"))
    submitted = timezone.localdate(application.submitted_at) if application.submitted_at else None
    if submitted and visited_on < submitted:
        raise CampaignError(_("入户日期不能早于申请提交日期 %(day)s。") % {"day": submitted})
    if not visitors or not findings:
        raise CampaignError(_("请填写入户核实的人员和核实情况。"))
    if len(visitors) > 200:
        raise CampaignError(_("核实人员最多 200 字。"))
    if len(findings) > 2000:
        raise CampaignError(_("核实情况最多 2000 字。"))
    application.visited_on, application.visitors, application.visit_findings = visited_on, visitors, findings
    application.visit_recorded_by = actor
    return {"visited_on": visited_on.isoformat(), "visitors": visitors, "findings": findings}


def _remind_proof(payment: StudentPayment, application: StudentApplication) -> None:
    """On 1 September of the payment's year, ask the campaign's reviewers for the 在读证明."""
    due_at = timezone.make_aware(dt.datetime(payment.due_year, 9, 1, 9))
    for user in reviewers_of(application.campaign.org_unit):
        reminder_schedule(
            kind=PROOF_KIND,
            recipient=user,
            due_at=due_at,
            subject=_("金秋助学第 %(n)d 年资助待收在读证明：%(name)s")
            % {"n": payment.year_index, "name": application.student_name},
            source=payment,
            key="proof",
        )


def _book(payment: StudentPayment, application: StudentApplication, *, actor: Any) -> None:
    if payment.status != StudentPayment.Status.READY:
        raise CampaignError(_("这笔资助%(status)s，不能发放。") % {"status": payment.get_status_display()})
    try:
        entry = finance.book_payout(
            actor=actor,
            org_unit=bookkeeping_unit(application.campaign.org_unit),
            date=timezone.localdate(),
            account=PAYOUT_ACCOUNT,
            amount=payment.amount,
            summary=_("金秋助学：%(name)s（第 %(n)d 年）")
            % {"name": application.student_name, "n": payment.year_index},
            counterparty=application.member.name,
            source=payment,
        )
    except finance.FinanceError as exc:
        raise CampaignError(_("记账未成功，未发放：%(why)s") % {"why": " ".join(exc.messages)}) from None
    payment.status = StudentPayment.Status.PAID
    payment.ledger_entry = entry
    payment.paid_at = timezone.now()
    payment.save()


def payment_proof(*, actor: Any, payment_id: int, upload: UploadedFile) -> StudentPayment:
    """The 在读证明 for a later year's payment: it becomes payable."""
    with transaction.atomic():
        payment = (
            StudentPayment.objects.select_for_update(of=("self",))
            .select_related("application__member")
            .get(pk=payment_id)
        )
        application = payment.application
        if not (
            application.member.user_id == actor.pk or access.can(actor, "welfare.review_aid", application.org_unit)
        ):
            raise CampaignError(_("只有申请人和审核人可以上传在读证明。"))
        if payment.status != StudentPayment.Status.WAITING_PROOF:
            raise CampaignError(_("这笔资助%(status)s，不需要在读证明。") % {"status": payment.get_status_display()})
        uploads.attach(owner=payment, upload=upload, actor=actor, label=PROOF_LABEL)
        payment.status = StudentPayment.Status.READY
        payment.save()
        audit_record(actor=actor, action="welfare.student.proof", obj=application, changes={"year": payment.year_index})
    return payment


def payment_pay(*, actor: Any, payment_id: int) -> StudentPayment:
    """A later year's payment, once its 在读证明 is in and its year has come."""
    with transaction.atomic():
        payment = (
            StudentPayment.objects.select_for_update(of=("self",))
            .select_related("application__campaign__org_unit", "application__member")
            .get(pk=payment_id)
        )
        application = payment.application
        if not access.can(actor, "welfare.review_aid", application.campaign.org_unit):
            raise CampaignError(_("资助由主办工会发放。"))
        if application.state != StudentState.PAID:
            raise CampaignError(_("首年资助尚未发放，不能发放以后年度的资助。"))
        if payment.status != StudentPayment.Status.READY:
            raise CampaignError(_("这笔资助%(status)s，不能发放。") % {"status": payment.get_status_display()})
        if timezone.localdate().year < payment.due_year:
            raise CampaignError(
                _("第 %(n)d 年的资助 %(year)d 年才能发放。") % {"n": payment.year_index, "year": payment.due_year}
            )
        _book(payment, application, actor=actor)
        audit_record(
            actor=actor,
            action="welfare.student.pay_year",
            obj=application,
            changes={"year": payment.year_index, "voucher": payment.ledger_entry.voucher_label},
        )
    return payment


# --- Objections to the 公示 list ------------------------------------------------------------------


def objection_raise(*, actor: Any, application_id: int, text: str) -> StudentObjection:
    """Anyone who may see the campaign's 公示 list objects to a name on it, while 公示 lasts.
    An application the actor may not see on that list is StudentApplication.DoesNotExist (404)."""
    text = (text or "").strip()
    if not text:
        raise CampaignError(_("请写明异议的内容和理由。"))
    if len(text) > 2000:
        raise CampaignError(_("异议内容最多 2000 字。"))
    with transaction.atomic():
        application = (
            StudentApplication.objects.select_for_update(of=("self",))
            .filter(pk=application_id, state__in=[StudentState.NOTICE, StudentState.PAID])
            .filter(campaign__in=campaigns_visible(actor))
            .select_related("campaign__org_unit")
            .first()
        )
        if application is None:
            raise StudentApplication.DoesNotExist(application_id)
        if application.state != StudentState.NOTICE or timezone.localdate() > application.notice_ends_on:
            raise CampaignError(_("公示期已结束，不能再提出异议。"))
        objection = StudentObjection.objects.create(application=application, raised_by=actor, text=text)
        audit_record(
            actor=actor, action="welfare.student.objection", obj=application, changes={"objection": objection.pk}
        )
        for reviewer in reviewers_of(application.campaign.org_unit):
            notify(
                kind="welfare.objection",
                recipient=reviewer,
                subject=_("金秋助学公示收到异议：%(name)s") % {"name": application.student_name},
                url=reverse("welfare:student_detail", args=[application.pk]),
                source=objection,
            )
    return objection


def objection_resolve(*, actor: Any, objection_id: int, resolution: str) -> StudentObjection:
    """The campaign's union (which pays) records what it checked and decided."""

    def check(objection: StudentObjection) -> None:
        if not access.can(actor, "welfare.review_aid", objection.application.campaign.org_unit):
            raise CampaignError(_("公示异议由主办工会核查处理。"))

    return objection_resolution_record(
        actor=actor,
        objections=StudentObjection.objects.select_related("application__campaign__org_unit"),
        objection_id=objection_id,
        resolution=resolution,
        check=check,
        error=CampaignError,
        action="welfare.student.objection_resolve",
    )
