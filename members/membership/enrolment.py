"""Getting people onto the roster: 新增会员 (already a member), 申请入会, 办理转入（系统外）."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access
from members.idcard import parse_id_number
from members.models import Member, MembershipChange, OrgUnit
from members.services import EDITABLE_FIELDS
from union_office.audit import audit_record, changed_fields, snapshot

from .services import _check_date, _file_request, _lock_member, _today
from .workflow import (
    JOINABLE_UNIT_KINDS,
    NEUTRAL_DUPLICATE,
    PERM,
    TRANSITIONS,
    Kind,
    MembershipError,
    State,
    Status,
    duplicate_message,
)


def _new_member(*, actor: Any, data: dict[str, Any], status: str, user: Any = None) -> Member:
    """Build, validate and insert a member record; an ID number already on the roster is refused."""
    try:
        number = parse_id_number(data.get("id_number", "")).number
    except ValidationError as exc:
        raise MembershipError({"id_number": exc.messages}) from None
    existing = Member.objects.with_id_number(number).select_related("org_unit").first()
    if existing is not None:
        raise MembershipError({"id_number": duplicate_message(existing, actor=actor)})
    member = Member(status=status, user=user)
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not a member field a clerk enters")
        setattr(member, name, value)
    member.id_number = number
    try:
        member.full_clean()
    except ValidationError as exc:
        raise MembershipError(exc.message_dict) from None
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # Someone entered the same number a moment ago (the unique index on its hash).
        existing = Member.objects.with_id_number(number).select_related("org_unit").first()
        raise MembershipError(
            {"id_number": duplicate_message(existing, actor=actor) if existing else NEUTRAL_DUPLICATE}
        ) from None
    return member


def member_create(*, actor: Any, data: dict[str, Any]) -> Member:
    """Enter a person who already is a member (在册) directly, with an approved 入会 for the history."""
    unit = data.get("org_unit")
    if unit is None:
        raise MembershipError({"org_unit": _("请选择所属工会。")})
    access.require(actor, PERM, unit)
    if not data.get("joined_on"):
        raise MembershipError({"joined_on": _("请填写入会日期。")})
    try:
        birth_date = parse_id_number(data.get("id_number", "")).birth_date
    except ValidationError:
        birth_date = None  # _new_member reports the number itself
    _check_date(data["joined_on"], birth_date=birth_date, field="joined_on")
    with transaction.atomic():
        member = _new_member(actor=actor, data=data, status=Status.ACTIVE)
        now = timezone.now()
        MembershipChange.objects.create(
            member=member,
            kind=Kind.JOIN,
            state=State.APPROVED,
            to_unit=member.org_unit,
            effective_on=member.joined_on,
            reason=str(_("录入在册会员")),
            requested_by=actor,
            decided_by=actor,
            decided_at=now,
        )
        audit_record(
            actor=actor,
            action="member.create",
            obj=member,
            changes=changed_fields({}, snapshot(member, [*EDITABLE_FIELDS, "status"])),
        )
    return member


def membership_apply_to_join(*, actor: Any, data: dict[str, Any], reason: str = "") -> MembershipChange:
    """A logged-in user with no member record applies to join the chosen 基层工会 or 分工会.

    The record is created as 入会申请中 and linked to the login; the chosen unit's committee or
    chair approves the pending 入会, which makes the member 在册 from that date.
    """
    unit = data.get("org_unit")
    if unit is None or unit.kind not in JOINABLE_UNIT_KINDS:
        raise MembershipError({"org_unit": _("请选择要加入的基层工会或分工会。")})
    with transaction.atomic():
        own = Member.objects.select_related("org_unit").filter(user=actor).first()
        if own is not None:
            raise MembershipError(
                _("您的账号已关联会员档案（%(unit)s，%(status)s），无需再申请入会。")
                % {"unit": own.org_unit, "status": own.get_status_display()}
            )
        member = _new_member(actor=actor, data=data, status=Status.APPLYING, user=actor)
        audit_record(
            actor=actor,
            action="membership.apply_to_join",
            obj=member,
            changes=changed_fields({}, snapshot(member, [*data, "status"])),
        )
        return _file_request(
            actor=actor,
            member=member,
            transition=TRANSITIONS[Kind.JOIN],
            effective_on=_today(),
            reason=reason,
            to_unit=None,
            external_unit="",
        )


def membership_transfer_in(
    *,
    actor: Any,
    data: dict[str, Any],
    to_unit: OrgUnit,
    external_unit: str,
    effective_on: datetime.date,
    reason: str = "",
) -> MembershipChange:
    """File a 转入 from a union outside the installation, found by ID number.

    A person already on the roster as 已转出 or 已退会 gets a request on their own record (it is
    reactivated on approval, history and all); a person new to the roster is entered as
    入会申请中 and becomes 在册 on approval. Anyone else on the roster is refused, naming where.
    """
    access.require(actor, PERM, to_unit)
    try:
        number = parse_id_number(data.get("id_number", "")).number
    except ValidationError as exc:
        raise MembershipError({"id_number": exc.messages}) from None
    transition = TRANSITIONS[Kind.TRANSFER_IN]
    with transaction.atomic():
        existing_id = Member.objects.with_id_number(number).values_list("pk", flat=True).first()
        if existing_id is not None:
            member = _lock_member(existing_id)
            if member.status not in transition.from_statuses:
                raise MembershipError({"id_number": duplicate_message(member, actor=actor)})
        else:
            member = _new_member(
                actor=actor, data={**data, "org_unit": to_unit, "id_number": number}, status=Status.APPLYING
            )
            audit_record(
                actor=actor,
                action="member.create",
                obj=member,
                changes=changed_fields({}, snapshot(member, [*data, "org_unit", "status"])),
            )
        return _file_request(
            actor=actor,
            member=member,
            transition=transition,
            effective_on=effective_on,
            reason=reason,
            to_unit=to_unit,
            external_unit=external_unit,
        )
