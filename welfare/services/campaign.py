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
from django.utils.translation import gettext_lazy as _l

from finance import services as finance
from finance.services import bookkeeping_unit
from members import access
from members.idcard import normalize_id_number, validate_id_number
from members.models import Member
from union_office.audit import audit_record
from union_office.notifications import notify, reminder_schedule
from union_office.workflow import Recipients, Result, Transition, Workflow, perform

from .. import uploads
from ..models import Campaign, CampaignTier, StudentApplication, StudentObjection, StudentPayment, StudentState
from ..models.campaign import ApplicantType
from ..workflow.campaign import (
    DECIDE,
    PAY,
    REVIEW,
    TO_APPLICANT,
    TO_CAMPAIGN_DECIDERS,
    TO_CAMPAIGN_REVIEWERS,
    TO_PAYERS,
    TO_UNIT_REVIEWERS,
    TRANSITIONS,
    YOUR_TURN,
)
from .common import WelfareError, objection_resolution_record, reviewers_of

PAYOUT_ACCOUNT = "50201"  # 困难职工帮扶 (金秋助学 is paid from it)
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
    applicant_type: str = ApplicantType.EMPLOYEE,
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
    if applicant_type not in ApplicantType.values:
        raise CampaignError(_("请选择申请人类别。"))
    number = _student_id(student_id)
    documents = list(documents)
    for _label, upload in documents:
        uploads.check_upload(upload)
    with transaction.atomic():
        application = StudentApplication(
            campaign=campaign,
            member=member,
            org_unit=member.org_unit,
            applicant_type=applicant_type,
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


def is_parent(user: Any, application: StudentApplication) -> bool:
    """The member who applies for their child: their own case."""
    return bool(getattr(user, "is_authenticated", False) and application.member.user_id == user.pk)


def _unit(application: StudentApplication, at: str):
    if at == "campaign":
        return application.campaign.org_unit
    if at == "books":
        return bookkeeping_unit(application.campaign.org_unit)
    return application.org_unit


def _can(user: Any, perm: str, application: StudentApplication, at: str) -> bool:
    return access.can(user, perm, _unit(application, at))


def student_transition(*, actor: Any, application_id: int, action: str, comment: str = "", **fields: Any):
    """One step of the table; `home_visit` takes the visit's date, visitors and findings, `approve`
    the tier."""
    return student_perform(actor=actor, application_id=application_id, action=action, comment=comment, **fields).obj


def student_perform(*, actor: Any, application_id: int, action: str, comment: str = "", **fields: Any) -> Result:
    try:
        return perform(STUDENT, actor=actor, pk=application_id, action=action, comment=comment, **fields)
    except IntegrityError:
        # Another approval of the same student won the race: the unique index decided.
        raise CampaignError(_("这名学生已获得资助，同一学生不能重复资助。")) from None


def _apply(application: StudentApplication, t: Transition, *, actor: Any, comment: str, fields: dict) -> dict:
    """The fields a move sets (its guards have passed); returns them for the audit entry."""
    campaign = application.campaign
    today = timezone.localdate()
    if t.action == "home_visit":
        visit = {k: fields.get(k) for k in ("visited_on", "visitors", "findings")}
        return _record_visit(application, actor=actor, today=today, **visit)
    if t.action == "submit":
        application.submitted_at = timezone.now()
        return {}
    if t.action == "approve":
        tier = CampaignTier.objects.get(pk=fields["tier_id"])  # locked by the quota guard
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
        if not access.can(actor, PAY, bookkeeping_unit(application.campaign.org_unit)):
            raise CampaignError(_("资助由主办工会的财务发放。"))
        if is_parent(actor, application):
            raise CampaignError(_("这是您本人（或家属）的申请，发放须由其他人办理。"))
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


def _student_url(application: StudentApplication) -> str:
    return reverse("welfare:student_detail", args=[application.pk])


STUDENT = Workflow(
    name="welfare.student",
    model=StudentApplication,
    transitions=TRANSITIONS,
    can=_can,
    is_subject=is_parent,
    notice_kind=YOUR_TURN,
    url=_student_url,
    recipients={
        TO_APPLICANT: Recipients(_l("申请人"), lambda a: [a.member.user] if a.member.user_id else []),
        TO_UNIT_REVIEWERS: Recipients(_l("基层工会审核人"), lambda a: access.holders(REVIEW, a.org_unit)),
        TO_CAMPAIGN_REVIEWERS: Recipients(_l("上级工会审核人"), lambda a: access.holders(REVIEW, a.campaign.org_unit)),
        TO_CAMPAIGN_DECIDERS: Recipients(_l("审定人"), lambda a: access.holders(DECIDE, a.campaign.org_unit)),
        TO_PAYERS: Recipients(_l("财务"), lambda a: access.holders(PAY, bookkeeping_unit(a.campaign.org_unit))),
    },
    apply=_apply,
    related=("campaign__org_unit", "member", "org_unit"),
    noun=_l("申请"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=CampaignError,
)


# --- Setting a campaign up (the county's chair, or a 基层工会's) --------------------------------


def campaign_create(
    *,
    actor: Any,
    org_unit: Any,
    title: str,
    year: int,
    opens_on: dt.date,
    deadline: dt.date,
    closes_on: dt.date,
    eligibility: str,
    documents: list[tuple[str, list[str]]],
    tiers: list[tuple[str, int, Any, int]],
) -> Campaign:
    """A 金秋助学 campaign with its tiers and its documents (each asked of everyone, or of the
    applicant types listed). The chair of the running unit sets it up; audited."""
    access.require(actor, "welfare.decide_aid", org_unit)
    title = title.strip()
    if not title:
        raise CampaignError(_("请填写活动名称。"))
    if not opens_on <= deadline <= closes_on:
        raise CampaignError(_("日期须依次为：开始日期 ≤ 申请截止 ≤ 结束日期。"))
    if not tiers:
        raise CampaignError(_("请至少设置一个资助档次。"))
    for _label, types in documents:
        unknown = [t for t in types if t not in ApplicantType.values]
        if unknown:
            raise CampaignError(_("未知的申请人类别：%(t)s。") % {"t": "、".join(unknown)})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            org_unit=org_unit,
            title=title[:100],
            year=year,
            opens_on=opens_on,
            deadline=deadline,
            closes_on=closes_on,
            eligibility=eligibility.strip(),
            required_documents=[
                label if not types else {"label": label, "applicant_types": types} for label, types in documents
            ],
            created_by=actor,
        )
        try:
            with transaction.atomic():
                for name, quota, amount, years in tiers:
                    CampaignTier.objects.create(campaign=campaign, name=name, quota=quota, amount=amount, years=years)
        except IntegrityError:
            raise CampaignError(_("资助档次的名称不能重复，名额和金额须大于 0，资助年数为 1–8 年。")) from None
        audit_record(
            actor=actor,
            action="welfare.campaign.create",
            obj=campaign,
            changes={"documents": campaign.required_documents, "tiers": [[n, q, str(a), y] for n, q, a, y in tiers]},
        )
    return campaign
