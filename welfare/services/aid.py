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

from finance import services as finance
from finance.money import round_money
from finance.services import bookkeeping_unit
from members import access
from members.models import Member
from union_office.audit import audit_record
from union_office.notifications import notify, reminder_schedule

from .. import uploads
from ..models import AidApplication, AidKind, AidState, AidStep, HardshipFile, Objection
from ..workflow import APPLICANT, REVIEW, Transition, transition
from .common import WelfareError, objection_resolution_record, require

PAYOUT_ACCOUNT = "50201"  # 维权支出 / 困难职工帮扶
# An application in these states is still being decided: a member has at most one at a time.
UNDER_REVIEW = (AidState.SUBMITTED, AidState.SCREENED, AidState.VERIFIED, AidState.APPROVED, AidState.NOTICE)


class AidError(WelfareError):
    pass


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
    return bool(
        getattr(user, "is_authenticated", False)
        and (application.member.user_id == user.pk or application.created_by_id == user.pk)
    )


def may(user: Any, t: Transition, application: AidApplication) -> bool:
    """May `user` make move `t` on this application (whatever its state)?"""
    for actor in t.actors:
        if actor == APPLICANT and application.member.user_id == user.pk:
            return True
        if actor == APPLICANT and access.can(user, REVIEW, application.org_unit):
            return True  # the committee that entered (or reviews) it may act for the applicant
        if actor != APPLICANT and access.can(user, actor, application.org_unit):
            return True
    return False


def _step(application: AidApplication, *, actor: Any, action: str, source: str, comment: str = "") -> None:
    AidStep.objects.create(
        application=application,
        action=action,
        from_state=source,
        to_state=application.state,
        actor=actor,
        comment=comment,
    )


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
    t = transition(action)
    if t is None:
        raise AidError(_("未知的操作。"))
    comment = (comment or "").strip()
    with transaction.atomic():
        application = (
            AidApplication.objects.select_for_update(of=("self",))
            .select_related("member", "org_unit")
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            raise AidApplication.DoesNotExist(application_id)
        if not may(actor, t, application):
            raise AidError(
                _("您不能对这份申请执行“%(action)s”：这一步由%(who)s办理。") % {"action": t.label, "who": _who(t)}
            )
        source = application.state
        if source not in t.sources:
            raise AidError(
                _("申请当前状态为“%(state)s”，不能“%(action)s”。")
                % {"state": application.get_state_display(), "action": t.label}
            )
        if t.needs_comment and not comment:
            raise AidError(_("请填写%(action)s的理由。") % {"action": t.label})
        changes: dict[str, Any] = {"state": [source, t.target]}
        changes |= _apply(application, t, actor=actor, comment=comment, **fields)
        application.state = t.target
        application.save()
        _step(application, actor=actor, action=t.action, source=source, comment=comment)
        audit_record(actor=actor, action=f"welfare.aid.{t.action}", obj=application, changes=changes)
    return application


def _who(t: Transition) -> str:
    names = []
    for actor in sorted(t.actors):
        if actor == APPLICANT:
            names.append(_("申请人"))
        else:
            names.append(str(access.PERMISSIONS[actor].label) + _("的人员"))
    return "、".join(names)


def _apply(application: AidApplication, t: Transition, *, actor: Any, comment: str, **fields: Any) -> dict[str, Any]:
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
        reminder_schedule(
            kind="welfare.notice_ended",
            recipient=actor,
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
        if t.action == "reject" and application.member.user_id:
            notify(
                kind="welfare.aid_decided",
                recipient=application.member.user,
                subject=_("您的帮扶申请未获通过"),
                body=comment,
                url=reverse("welfare:aid_detail", args=[application.pk]),
                source=application,
            )
        return {"reason": comment} if comment else {}
    return {}


def _pay(application: AidApplication, *, actor: Any, today: dt.date) -> dict[str, Any]:
    if application.notice_ends_on is None or today <= application.notice_ends_on:
        raise AidError(_("公示期到 %(day)s 结束，期满后才能发放。") % {"day": application.notice_ends_on})
    open_objections = application.objections.filter(resolved_at__isnull=True).count()
    if open_objections:
        raise AidError(_("公示期间收到 %(n)d 条异议尚未处理，处理完毕后才能发放。") % {"n": open_objections})
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
    if application.member.user_id:
        notify(
            kind="welfare.aid_decided",
            recipient=application.member.user,
            subject=_("您的帮扶款 %(amount)s 元已发放") % {"amount": application.amount_granted},
            url=reverse("welfare:aid_detail", args=[application.pk]),
            source=application,
        )
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
