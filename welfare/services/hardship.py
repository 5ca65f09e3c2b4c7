"""困难职工档案: open (一户一档), change, yearly re-check with a reminder to the reviewers, close (撤档)."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member
from union_office.audit import audit_record, field_changes
from union_office.notifications import reminder_schedule, reminders_cancel

from .. import uploads
from ..models import FamilyMember, FileEvent, HardshipCause, HardshipFile, HardshipLevel, HardshipStatus
from .common import WelfareError, require, reviewers_of

REVIEW = "welfare.review_aid"
RECHECK_KIND = "welfare.hardship_recheck"
# 困难职工档案 are re-checked (动态管理) once a year.
RECHECK_INTERVAL_DAYS = 365


class HardshipError(WelfareError):
    pass


def _income(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise HardshipError(_("收入不是有效的金额。")) from None
    if amount < 0:
        raise HardshipError(_("收入不能为负数。"))
    return amount


def _check(level: str, causes: list[str]) -> None:
    if level not in HardshipLevel.values:
        raise HardshipError(_("请选择困难类别。"))
    if not causes or any(c not in HardshipCause.values for c in causes):
        raise HardshipError(_("请至少选择一项致困原因。"))


def _schedule_recheck(file: HardshipFile) -> None:
    """Remind the reviewers of the file's unit on the due day (9:00); one reminder per due date."""
    due_at = timezone.make_aware(dt.datetime.combine(file.review_due_on, dt.time(9)))
    for user in reviewers_of(file.org_unit):
        reminder_schedule(
            kind=RECHECK_KIND,
            recipient=user,
            due_at=due_at,
            subject=_("困难职工档案年度复核到期：%(name)s") % {"name": file.member.name},
            url=reverse("welfare:file_detail", args=[file.pk]),
            source=file,
            key=f"recheck:{file.review_due_on:%Y%m%d}",
        )


def file_open(
    *,
    actor: Any,
    member: Member,
    level: str,
    causes: list[str],
    situation: str = "",
    monthly_income: Any = "0",
    family: Iterable[dict[str, Any]] = (),
    documents: Iterable[tuple[str, UploadedFile]] = (),
    opened_on: dt.date | None = None,
) -> HardshipFile:
    require(actor, REVIEW, member.org_unit)
    _check(level, causes)
    opened_on = opened_on or timezone.localdate()
    income = _income(monthly_income)
    documents = list(documents)
    for _label, upload in documents:
        uploads.check_upload(upload)
    existing = HardshipFile.objects.filter(member=member, status=HardshipStatus.ACTIVE).first()
    if existing is not None:
        raise HardshipError(
            _("%(name)s 家已有在档的困难职工档案（%(day)s 建档），一户只能有一份在档档案。")
            % {"name": member.name, "day": existing.opened_on}
        )
    try:
        with transaction.atomic():
            file = HardshipFile.objects.create(
                member=member,
                org_unit=member.org_unit,
                level=level,
                causes=list(causes),
                situation=(situation or "").strip(),
                monthly_income=income,
                opened_on=opened_on,
                review_due_on=opened_on + dt.timedelta(days=RECHECK_INTERVAL_DAYS),
                created_by=actor,
            )
            for person in family:
                if (person.get("name") or "").strip():
                    FamilyMember.objects.create(
                        file=file,
                        name=person["name"].strip()[:50],
                        relation=(person.get("relation") or "").strip()[:20],
                        birth_year=person.get("birth_year") or None,
                        occupation=(person.get("occupation") or "").strip()[:60],
                        monthly_income=_income(person.get("monthly_income")),
                        health=(person.get("health") or "").strip()[:60],
                    )
            for label, upload in documents:
                uploads.attach(owner=file, upload=upload, actor=actor, label=label)
            FileEvent.objects.create(file=file, kind=FileEvent.Kind.OPENED, actor=actor)
            audit_record(
                actor=actor,
                action="welfare.file.open",
                obj=file,
                changes={"level": level, "causes": list(causes), "monthly_income": str(income)},
            )
            _schedule_recheck(file)
    except IntegrityError:
        # Two reviewers filing the same household at once: the constraint decides, the second is told.
        raise HardshipError(
            _("%(name)s 家已有在档的困难职工档案，一户只能有一份在档档案。") % {"name": member.name}
        ) from None
    return file


def _locked(file_id: int) -> HardshipFile:
    return HardshipFile.objects.select_for_update(of=("self",)).select_related("member", "org_unit").get(pk=file_id)


def file_update(
    *, actor: Any, file_id: int, level: str, causes: list[str], situation: str, monthly_income: Any
) -> HardshipFile:
    _check(level, causes)
    with transaction.atomic():
        file = _locked(file_id)
        require(actor, REVIEW, file.org_unit)
        if file.status != HardshipStatus.ACTIVE:
            raise HardshipError(_("档案已撤档，不能修改。"))
        values = {
            "level": level,
            "causes": list(causes),
            "situation": (situation or "").strip(),
            "monthly_income": _income(monthly_income),
        }
        changes = field_changes(file, values)
        if not changes:
            return file
        for name, value in values.items():
            setattr(file, name, value)
        file.save()
        labels = ", ".join(str(HardshipFile._meta.get_field(name).verbose_name) for name in changes)
        FileEvent.objects.create(file=file, kind=FileEvent.Kind.CHANGED, actor=actor, note=labels)
        audit_record(actor=actor, action="welfare.file.change", obj=file, changes=changes)
    return file


def file_review(*, actor: Any, file_id: int, note: str, reviewed_on: dt.date | None = None) -> HardshipFile:
    """年度复核: still in hardship; the next re-check is due a year later."""
    note = (note or "").strip()
    if not note:
        raise HardshipError(_("请填写复核情况。"))
    reviewed_on = reviewed_on or timezone.localdate()
    with transaction.atomic():
        file = _locked(file_id)
        require(actor, REVIEW, file.org_unit)
        if file.status != HardshipStatus.ACTIVE:
            raise HardshipError(_("档案已撤档，不需要复核。"))
        old_due = file.review_due_on
        reminders_cancel(source=file, kind=RECHECK_KIND, key=f"recheck:{old_due:%Y%m%d}")
        file.last_reviewed_on = reviewed_on
        file.review_due_on = reviewed_on + dt.timedelta(days=RECHECK_INTERVAL_DAYS)
        file.save()
        FileEvent.objects.create(file=file, kind=FileEvent.Kind.REVIEWED, actor=actor, note=note)
        audit_record(
            actor=actor,
            action="welfare.file.review",
            obj=file,
            changes={"review_due_on": [old_due.isoformat(), file.review_due_on.isoformat()], "note": note},
        )
        _schedule_recheck(file)
    return file


def file_close(*, actor: Any, file_id: int, reason: str) -> HardshipFile:
    """撤档 (已脱困): kept for the record, out of the active list, no more re-check reminders."""
    reason = (reason or "").strip()
    if not reason:
        raise HardshipError(_("请填写撤档原因。"))
    with transaction.atomic():
        file = _locked(file_id)
        require(actor, REVIEW, file.org_unit)
        if file.status != HardshipStatus.ACTIVE:
            raise HardshipError(_("档案已于 %(day)s 撤档。") % {"day": file.closed_on})
        file.status = HardshipStatus.CLOSED
        file.closed_on = timezone.localdate()
        file.closed_reason = reason
        file.save()
        reminders_cancel(source=file, kind=RECHECK_KIND)
        FileEvent.objects.create(file=file, kind=FileEvent.Kind.CLOSED, actor=actor, note=reason)
        audit_record(
            actor=actor,
            action="welfare.file.close",
            obj=file,
            changes={"status": ["active", "closed"], "reason": reason},
        )
    return file


def file_attach(*, actor: Any, file_id: int, upload: UploadedFile, label: str = "") -> None:
    with transaction.atomic():
        file = _locked(file_id)
        require(actor, REVIEW, file.org_unit)
        attachment = uploads.attach(owner=file, upload=upload, actor=actor, label=label)
        FileEvent.objects.create(
            file=file,
            kind=FileEvent.Kind.CHANGED,
            actor=actor,
            note=_("补充材料：%(label)s") % {"label": label or attachment.original_name},
        )
        audit_record(actor=actor, action="welfare.file.attach", obj=file, changes={"attachment": attachment.pk})
