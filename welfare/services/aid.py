"""The aid application workflow (workflow.TRANSITIONS), 公示 with objections, and payment.

Every move locks the application row (select_for_update), checks the state it is in now, writes
the step, the audit entry and any ledger entry in one transaction. Two clicks on 发放 queue on
the row lock; the second finds the application 已发放 and is refused, and the ledger's unique
source key would refuse a second entry even if it were not.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from finance import services as finance
from finance.money import round_money
from finance.services import bookkeeping_unit
from members import access
from members.models import Member
from union_office.audit import audit_record
from union_office.notifications import notify, reminder_schedule
from union_office.workflow import Recipients, Result, Transition, Workflow, perform

from .. import uploads
from ..models import AidApplication, AidKind, AidState, AidStep, HardshipFile, Objection
from ..workflow.aid import (
    DECIDE,
    PAY,
    REVIEW,
    TO_APPLICANT,
    TO_DECIDERS,
    TO_PAYERS,
    TO_REVIEWERS,
    TRANSITIONS,
    YOUR_TURN,
)
from .common import WelfareError, objection_resolution_record, require

PAYOUT_ACCOUNT = "50201"  # 维权支出 / 困难职工帮扶
# An application in these states is still being decided: a member has at most one at a time.
UNDER_REVIEW = (AidState.SUBMITTED, AidState.SCREENED, AidState.VERIFIED, AidState.APPROVED, AidState.NOTICE)


class AidError(WelfareError):
    pass


def _aid_url(application: AidApplication) -> str:
    return reverse("welfare:aid_detail", args=[application.pk])


def _money(value: Any, label: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        amount = round_money(Decimal(str(value).replace(",", "").strip()))
    except (InvalidOperation, ValueError):
        raise AidError(_("%(label)s不是有效的金额。") % {"label": label}) from None
    if amount <= 0:
        raise AidError(_("%(label)s必须大于 0 元。") % {"label": label})
    if amount >= Decimal("1000000"):
        raise AidError(_("%(label)s过大，请核对。") % {"label": label})
    return amount


def is_applicant(user: Any, application: AidApplication) -> bool:
    """The member the application is about (their own case: they may not review it)."""
    return bool(getattr(user, "is_authenticated", False) and application.member.user_id == user.pk)


def _can(user: Any, perm: str, application: AidApplication, at: str) -> bool:
    unit = application.org_unit
    if at == "books":  # the books that pay it: noted at 公示, so a list of cases reads no more
        unit = application.notice_unit if application.notice_unit_id else bookkeeping_unit(unit)
    return access.can(user, perm, unit)


def _record_step(application: AidApplication, *, actor: Any, transition: Transition, source: str, comment: str) -> None:
    AidStep.objects.create(
        application=application,
        action=transition.action,
        from_state=source,
        to_state=transition.target,
        actor=actor,
        comment=comment,
    )


def _applicant(application: AidApplication) -> list[Any]:
    return [application.member.user] if application.member.user_id else []


def aid_create(
    *,
    actor: Any,
    member: Member,
    kind: str,
    amount_requested: Any,
    reason: str,
    hardship_file: HardshipFile | None = None,
    documents: Iterable[tuple[str, UploadedFile]] = (),
    submit: bool = False,
) -> AidApplication:
    """A member applies for themself, or the committee of their unit enters it for them."""
    if member.user_id != actor.pk:
        require(actor, REVIEW, member.org_unit)
    elif member.status != Member.Status.ACTIVE:
        raise AidError(_("只有在册会员可以申请帮扶。"))
    if kind not in AidKind.values:
        raise AidError(_("请选择救助类型。"))
    reason = (reason or "").strip()
    if not reason:
        raise AidError(_("请填写申请理由。"))
    amount = _money(amount_requested, _("申请金额"))
    if hardship_file is not None and hardship_file.member_id != member.pk:
        raise AidError(_("所选困难职工档案不属于该申请人。"))
    documents = list(documents)
    for _label, upload in documents:
        uploads.check_upload(upload)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        application = AidApplication.objects.create(
            member=member,
            org_unit=member.org_unit,
            hardship_file=hardship_file,
            kind=kind,
            amount_requested=amount,
            reason=reason,
            created_by=actor,
        )
        for label, upload in documents:
            uploads.attach(owner=application, upload=upload, actor=actor, label=label)
        audit_record(
            actor=actor,
            action="welfare.aid.create",
            obj=application,
            changes={"kind": kind, "amount_requested": str(amount), "documents": len(documents)},
        )
        if submit:
            application = aid_transition(actor=actor, application_id=application.pk, action="submit")
    return application


def aid_attach(*, actor: Any, application_id: int, upload: UploadedFile, label: str = "") -> None:
    with transaction.atomic():
        application = AidApplication.objects.select_for_update().select_related("member").get(pk=application_id)
        if not (application.member.user_id == actor.pk or access.can(actor, REVIEW, application.org_unit)):
            raise AidError(_("只有申请人和审核人可以补充材料。"))
        if application.state in (AidState.PAID, AidState.REJECTED, AidState.WITHDRAWN):
            raise AidError(_("申请已%(state)s，不能再补充材料。") % {"state": application.get_state_display()})
        attachment = uploads.attach(owner=application, upload=upload, actor=actor, label=label)
        audit_record(
            actor=actor,
            action="welfare.aid.attach",
            obj=application,
            changes={"attachment": attachment.pk, "label": label},
        )


def aid_transition(*, actor: Any, application_id: int, action: str, comment: str = "", **fields: Any) -> AidApplication:
    """Make one move of the workflow table, or raise AidError saying why not."""
    return aid_perform(actor=actor, application_id=application_id, action=action, comment=comment, **fields).obj


def aid_perform(*, actor: Any, application_id: int, action: str, comment: str = "", **fields: Any) -> Result:
    """The move and what was done ("初审通过，已通知申请人和审核人。") for the page to say."""
    return perform(AID, actor=actor, pk=application_id, action=action, comment=comment, **fields)


def _apply(application: AidApplication, t: Transition, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    """The fields a move sets, checked; returns them for the audit entry."""
    today = timezone.localdate()
    now = timezone.now()
    if t.action == "submit":
        # Two drafts submitted at once: the member row serialises them (lock order: application, member).
        Member.objects.select_for_update().filter(pk=application.member_id).first()
        if (
            AidApplication.objects.filter(member_id=application.member_id, state__in=UNDER_REVIEW)
            .exclude(pk=application.pk)
            .exists()
        ):
            raise AidError(
                _("%(name)s 已有一份正在审核的帮扶申请，请等待审核结果后再申请。") % {"name": application.member.name}
            )
        application.submitted_at = now
        return {}
    if t.action == "verify":
        visited_on = fields.get("visited_on")
        visitors = (fields.get("visitors") or "").strip()
        findings = (fields.get("findings") or "").strip()
        if not isinstance(visited_on, dt.date):
            raise AidError(_("请填写入户核实的日期。"))
        if visited_on > today:
            raise AidError(_("入户核实日期不能晚于今天。"))
        if not visitors or not findings:
            raise AidError(_("请填写核实人员和核实情况。"))
        application.visited_on, application.visitors, application.findings = visited_on, visitors[:200], findings
        return {"visited_on": visited_on.isoformat(), "visitors": visitors}
    if t.action == "decide":
        amount = _money(fields.get("amount_granted"), _("审定金额"))
        application.amount_granted = amount
        application.decided_at = now
        return {"amount_granted": [None, str(amount)]}
    if t.action == "publish":
        days = settings.WELFARE_NOTICE_DAYS
        application.notice_unit = bookkeeping_unit(application.org_unit)
        application.notice_starts_on = today
        application.notice_ends_on = today + dt.timedelta(days=days - 1)
        ends_at = timezone.make_aware(
            dt.datetime.combine(application.notice_ends_on + dt.timedelta(days=1), dt.time(9))
        )
        # The paying unit's treasurers are the next to act, once the 公示 is over.
        for payer in access.holders(PAY, application.notice_unit):
            reminder_schedule(
                kind="welfare.notice_ended",
                recipient=payer,
                due_at=ends_at,
                subject=_("公示期满：%(name)s的帮扶申请可以发放") % {"name": application.member.name},
                url=reverse("welfare:aid_detail", args=[application.pk]),
                source=application,
                key="notice-ended",
            )
        return {"notice": f"{application.notice_starts_on} – {application.notice_ends_on}"}
    if t.action == "pay":
        return _pay(application, actor=actor, today=today)
    if t.action in ("reject", "withdraw"):
        application.closing_reason = comment
        return {"reason": comment} if comment else {}
    return {}


def _pay(application: AidApplication, *, actor: Any, today: dt.date) -> dict[str, Any]:
    # The table's guards (公示 over, no open objection) have passed.
    try:
        entry = finance.book_payout(
            actor=actor,
            org_unit=bookkeeping_unit(application.org_unit),
            date=today,
            account=PAYOUT_ACCOUNT,
            amount=application.amount_granted,
            summary=_("困难职工帮扶：%(name)s（%(kind)s）")
            % {"name": application.member.name, "kind": application.get_kind_display()},
            counterparty=application.member.name,
            source=application,
        )
    except finance.FinanceError as exc:
        raise AidError(_("记账未成功，未发放：%(why)s") % {"why": " ".join(exc.messages)}) from None
    application.ledger_entry = entry
    application.paid_at = timezone.now()
    return {"voucher": entry.voucher_label, "amount": str(entry.amount)}


# --- 公示 and objections -------------------------------------------------------------------------


def notice_q(user: Any) -> Q:
    """Applications on the 公示 board of a unit the user belongs to (or is above, or is inside)."""
    q = Q(pk__in=[])
    if getattr(user, "is_superuser", False) and user.is_active:
        return ~q
    for grant in access.grants_for(user):
        q |= Q(notice_unit__path__startswith=grant.path) | Q(
            notice_unit__path__in=access.ancestor_paths(grant.path) + [grant.path]
        )
    return q


def notice_board(user: Any):
    return (
        AidApplication.objects.filter(notice_q(user), state=AidState.NOTICE)
        .select_related("member", "notice_unit", "org_unit")
        .order_by("-notice_starts_on", "pk")
    )


def objection_raise(*, actor: Any, application_id: int, text: str) -> Objection:
    text = (text or "").strip()
    if not text:
        raise AidError(_("请写明异议的内容和理由。"))
    if len(text) > 2000:
        raise AidError(_("异议内容最多 2000 字。"))
    with transaction.atomic():
        application = (
            AidApplication.objects.select_for_update(of=("self",))
            .filter(notice_q(actor), pk=application_id)
            .select_related("member")
            .first()
        )
        if application is None:
            raise AidApplication.DoesNotExist(application_id)
        if application.state != AidState.NOTICE or timezone.localdate() > application.notice_ends_on:
            raise AidError(_("公示期已结束，不能再提出异议。"))
        objection = Objection.objects.create(application=application, raised_by=actor, text=text)
        audit_record(actor=actor, action="welfare.aid.objection", obj=application, changes={"objection": objection.pk})
        for reviewer in _reviewers(application):
            notify(
                kind="welfare.objection",
                recipient=reviewer,
                subject=_("公示收到异议：%(name)s的帮扶申请") % {"name": application.member.name},
                url=reverse("welfare:aid_detail", args=[application.pk]),
                source=objection,
            )
    return objection


def _reviewers(application: AidApplication) -> list[Any]:
    from .common import reviewers_of

    return reviewers_of(application.org_unit)


def objection_resolve(*, actor: Any, objection_id: int, resolution: str) -> Objection:
    """The application's reviewers record what they checked and decided."""
    return objection_resolution_record(
        actor=actor,
        objections=Objection.objects.select_related("application__org_unit"),
        objection_id=objection_id,
        resolution=resolution,
        check=lambda objection: require(actor, REVIEW, objection.application.org_unit),
        error=AidError,
        action="welfare.aid.objection_resolve",
    )


AID = Workflow(
    name="welfare.aid",
    model=AidApplication,
    transitions=TRANSITIONS,
    can=_can,
    is_subject=is_applicant,
    notice_kind=YOUR_TURN,
    url=_aid_url,
    recipients={
        TO_APPLICANT: Recipients(_l("申请人"), _applicant),
        TO_REVIEWERS: Recipients(_l("审核人"), lambda a: access.holders(REVIEW, a.org_unit)),
        TO_DECIDERS: Recipients(_l("审定人"), lambda a: access.holders(DECIDE, a.org_unit)),
        TO_PAYERS: Recipients(_l("财务"), lambda a: access.holders(PAY, bookkeeping_unit(a.org_unit))),
    },
    apply=_apply,
    record_step=_record_step,
    related=("member", "org_unit", "notice_unit"),
    noun=_l("帮扶申请"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=AidError,
)
