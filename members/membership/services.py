"""The services that walk the workflow: file a request, approve it, reject it, take it back.

Locks: every service that changes a pending request locks the member row first, then the change
row. Two approvers clicking at once therefore queue on the member row; the second one then reads
the change as already decided and gets a message, and nothing is applied twice.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access
from members.logins import login_follow_status
from members.models import OPEN_CHANGE_STATES, Member, MembershipChange, OrgUnit
from union_office.audit import audit_record, changed_fields, snapshot

from .workflow import (
    APPROVAL_FIELDS,
    MAX_DAYS_AHEAD,
    PERM,
    REQUEST_FIELDS,
    TRANSITIONS,
    WITHDRAWN_BY_REQUESTER_NOTE,
    Kind,
    MembershipError,
    State,
    Transition,
    approval_unit,
    may_request,
    pending_message,
    status_blocker,
    transition_for,
)


def _today() -> datetime.date:
    return timezone.localdate()


def _check_date(value: datetime.date | None, *, birth_date: datetime.date | None, field: str = "effective_on") -> None:
    """A change's date: not more than a year ahead, never before the member was born."""
    if value is None:
        raise MembershipError({field: _("请填写生效日期。")})
    limit = _today() + datetime.timedelta(days=MAX_DAYS_AHEAD)
    if value > limit:
        raise MembershipError({field: _("日期不能晚于一年之后（%(date)s）。") % {"date": limit.isoformat()}})
    if birth_date and value < birth_date:
        raise MembershipError({field: _("日期不能早于会员的出生日期（%(date)s）。") % {"date": birth_date.isoformat()}})


def _lock_member(pk: int) -> Member:
    # of=("self",): lock the member row only, not the units and department joined for reading.
    return Member.objects.select_for_update(of=("self",)).select_related("org_unit", "department__org_unit").get(pk=pk)


def _save_new_change(change: MembershipChange) -> None:
    """Insert a pending change; the partial unique index turns a concurrent second one away."""
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        raise MembershipError(pending_message(None)) from None


def _file_request(
    *,
    actor: Any,
    member: Member,
    transition: Transition,
    effective_on: datetime.date,
    reason: str,
    to_unit: OrgUnit | None,
    external_unit: str,
) -> MembershipChange:
    """Validate and insert a pending change for a locked member (the caller holds the transaction)."""
    if not may_request(actor, member, transition.kind, to_unit):
        raise PermissionDenied(
            _("您没有为“%(name)s”申请%(kind)s的权限。") % {"name": member.name, "kind": transition.label}
        )
    blocker = status_blocker(member, transition.kind)
    if blocker:
        raise MembershipError(blocker)
    pending = MembershipChange.objects.filter(member=member, state__in=OPEN_CHANGE_STATES).first()
    if pending is not None:
        raise MembershipError(pending_message(pending))
    _check_date(effective_on, birth_date=member.birth_date)
    reason, external_unit = (reason or "").strip(), (external_unit or "").strip()
    if transition.needs_reason and not reason:
        raise MembershipError({"reason": _("办理%(kind)s须填写原因。") % {"kind": transition.label}})
    if transition.asks_external_unit and not external_unit:
        raise MembershipError({"external_unit": _("请填写系统外工会的名称。")})
    change = MembershipChange(
        member=member,
        kind=transition.kind,
        effective_on=effective_on,
        reason=reason,
        external_unit=external_unit if transition.asks_external_unit else "",
        requested_by=actor,
    )
    if transition.kind == Kind.JOIN:
        change.to_unit = member.org_unit
    elif transition.asks_to_unit:
        if to_unit is None:
            raise MembershipError({"to_unit": _("请选择转入的工会。")})
        if transition.kind == Kind.TRANSFER and to_unit.pk == member.org_unit_id:
            raise MembershipError({"to_unit": _("转入的工会不能是会员现在所在的工会。")})
        change.to_unit = to_unit
        # A 转入 comes from outside: the old record's unit is no 原单位 of this change.
        change.from_unit = member.org_unit if transition.kind == Kind.TRANSFER else None
    else:
        change.from_unit = member.org_unit
    _save_new_change(change)
    audit_record(
        actor=actor,
        action="membership.request",
        obj=change,
        changes=changed_fields({}, snapshot(change, REQUEST_FIELDS)),
    )
    return change


def membership_request(
    *,
    actor: Any,
    member: Member,
    kind: str,
    effective_on: datetime.date,
    reason: str = "",
    to_unit: OrgUnit | None = None,
    external_unit: str = "",
) -> MembershipChange:
    """File a change for an existing member; it waits in the approving unit's inbox."""
    transition = transition_for(kind)
    with transaction.atomic():
        locked = _lock_member(member.pk)
        return _file_request(
            actor=actor,
            member=locked,
            transition=transition,
            effective_on=effective_on,
            reason=reason,
            to_unit=to_unit,
            external_unit=external_unit,
        )


def _lock_pending(change_id: int) -> tuple[Member, MembershipChange]:
    """Lock the member, then the change (the fixed order of every service here)."""
    member_id = MembershipChange.objects.filter(pk=change_id).values_list("member_id", flat=True).first()
    if member_id is None:
        raise MembershipError(_("没有找到该会籍变动申请。"))
    member = _lock_member(member_id)
    change = (
        MembershipChange.objects.select_for_update(of=("self",))
        .select_related("from_unit", "to_unit")
        .get(pk=change_id)
    )
    change.member = member
    return member, change


def _check_still_pending(change: MembershipChange) -> None:
    if change.state != State.PENDING:
        raise MembershipError(
            _("该申请已经是“%(state)s”状态（%(who)s，%(at)s），不能重复处理。")
            % {
                "state": change.get_state_display(),
                "who": change.decided_by.get_full_name() or change.decided_by.get_username()
                if change.decided_by_id
                else "—",
                "at": timezone.localtime(change.decided_at).strftime("%Y-%m-%d %H:%M") if change.decided_at else "—",
            }
        )


def _require_approver(actor: Any, change: MembershipChange) -> None:
    unit = approval_unit(change)
    if not access.can(actor, PERM, unit):
        raise PermissionDenied(
            _("%(kind)s须由“%(unit)s”的工会主席或委员审批。") % {"kind": change.get_kind_display(), "unit": unit}
        )


def _apply_problem(member: Member, change: MembershipChange) -> str | None:
    """Why the change cannot be applied to the (locked) member now, or None."""
    blocker = status_blocker(member, change.kind)
    if blocker:
        return blocker
    # The request named the member's unit at the time; a roster edit since then moved them.
    transition = TRANSITIONS[change.kind]
    expected_unit_id = change.from_unit_id or (None if transition.asks_to_unit else change.to_unit_id)
    if expected_unit_id is not None and member.org_unit_id != expected_unit_id:
        return str(_("会员的所属工会在申请之后已经变更，请驳回本申请后重新办理。"))
    return None


def _apply(member: Member, change: MembershipChange) -> dict[str, list[Any]]:
    """Change the (locked) member as the change's kind says; returns the audited [old, new] fields."""
    transition = TRANSITIONS[change.kind]
    before = snapshot(member, APPROVAL_FIELDS)
    member.status = transition.to_status
    if transition.asks_to_unit:
        member.org_unit = change.to_unit
        # Departments belong to a 基层工会: moving to another one leaves the old department behind.
        if member.department_id and not change.to_unit.path.startswith(member.department.org_unit.path):
            member.department = None
    # 入会 starts the membership that day; a 转入 keeps the 入会日期 the person brings along.
    if change.kind == Kind.JOIN or (change.kind == Kind.TRANSFER_IN and member.joined_on is None):
        member.joined_on = change.effective_on
    member.save(update_fields=[*APPROVAL_FIELDS, "updated_at"])
    # A leaver's login is disabled, a returning member's restored (members/logins.py).
    return changed_fields(before, snapshot(member, APPROVAL_FIELDS)) | login_follow_status(member)


def membership_approve(*, actor: Any, change_id: int, note: str = "") -> MembershipChange:
    """Approve a pending change, per TRANSITIONS.

    A change dated today or earlier is applied to the member at once. One dated ahead (a 退休 filed
    for next month) becomes 待生效: the member stays as they are until `membership_apply_due` applies
    it on its date, and it still holds the member's one open change until then.
    """
    with transaction.atomic():
        member, change = _lock_pending(change_id)
        _require_approver(actor, change)
        _check_still_pending(change)
        problem = _apply_problem(member, change)
        if problem:
            raise MembershipError(problem)
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.decision_note = (note or "").strip()
        if change.effective_on > _today():
            change.state = State.SCHEDULED
            change.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
            audit_record(
                actor=actor,
                action="membership.schedule",
                obj=change,
                changes={
                    "state": [State.PENDING.value, State.SCHEDULED.value],
                    "effective_on": [None, change.effective_on.isoformat()],
                },
            )
            return change
        changes = _apply(member, change)
        change.state = State.APPROVED
        change.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(actor=actor, action="membership.approve", obj=member, changes=changes)
    return change


def membership_apply_due(*, today: datetime.date | None = None) -> int:
    """Apply the scheduled changes whose date has come (the beat task); returns how many were closed.

    Each change gets its own short transaction. Safe to run twice at the same time, and again
    later: the member row is locked with SKIP LOCKED (the fixed order: member, then change), so a
    second run passes over what the first is doing, and the change is re-read under the lock and
    left alone unless still 待生效. A member locked by a clerk at that moment is simply left for
    the next run. A change that can no longer apply on its date (the member's status or unit was
    changed since the approval) is closed as 已撤销 with the reason, never half-applied.
    """
    today = today or _today()
    due = list(
        MembershipChange.objects.filter(state=State.SCHEDULED, effective_on__lte=today)
        .order_by("effective_on", "pk")
        .values_list("pk", "member_id")
    )
    closed = 0
    for change_id, member_id in due:
        with transaction.atomic():
            member = (
                Member.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("org_unit", "department__org_unit")
                .filter(pk=member_id)
                .first()
            )
            if member is None:
                continue
            change = (
                MembershipChange.objects.select_for_update(of=("self",))
                .select_related("from_unit", "to_unit")
                .filter(pk=change_id, state=State.SCHEDULED, effective_on__lte=today)
                .first()
            )
            if change is None:
                continue
            change.member = member
            problem = _apply_problem(member, change)
            if problem:
                note = str(_("到期未能生效：%(problem)s") % {"problem": problem})
                change.state = State.CANCELLED
                change.decision_note = note
                change.save(update_fields=["state", "decision_note", "updated_at"])
                audit_record(
                    actor=None,
                    action="membership.apply_failed",
                    obj=change,
                    changes={"state": [State.SCHEDULED.value, State.CANCELLED.value], "decision_note": [None, note]},
                )
            else:
                changes = _apply(member, change)
                change.state = State.APPROVED
                change.save(update_fields=["state", "updated_at"])
                audit_record(actor=None, action="membership.apply", obj=member, changes=changes)
            closed += 1
    return closed


def _close(*, actor: Any, change: MembershipChange, note: str, action: str, state: str = State.REJECTED) -> None:
    before = change.state
    change.state = state
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=change,
        changes={"state": [str(before), str(state)], "decision_note": [None, note]},
    )


def membership_reject(*, actor: Any, change_id: int, note: str) -> MembershipChange:
    """Turn a pending change down, with the reason the requester will read."""
    note = (note or "").strip()
    with transaction.atomic():
        _member, change = _lock_pending(change_id)
        _require_approver(actor, change)
        _check_still_pending(change)
        if not note:
            raise MembershipError({"note": _("驳回须填写理由。")})
        _close(actor=actor, change=change, note=note, action="membership.reject")
    return change


def membership_cancel(*, actor: Any, change_id: int, note: str) -> MembershipChange:
    """Call off an approved change before its date (待生效 → 已撤销), with the reason; the member
    was never changed, so nothing else is undone."""
    note = (note or "").strip()
    with transaction.atomic():
        _member, change = _lock_pending(change_id)
        _require_approver(actor, change)
        if change.state != State.SCHEDULED:
            raise MembershipError(
                _("只有待生效的会籍变动可以撤销；该变动现为“%(state)s”。") % {"state": change.get_state_display()}
            )
        if not note:
            raise MembershipError({"note": _("撤销须填写理由。")})
        _close(actor=actor, change=change, note=note, action="membership.cancel", state=State.CANCELLED)
    return change


def membership_withdraw_request(*, actor: Any, change_id: int) -> MembershipChange:
    """The requester takes back a pending request: it is closed as 已驳回 with the note 申请人撤回."""
    with transaction.atomic():
        _member, change = _lock_pending(change_id)
        if change.requested_by_id != actor.pk:
            raise PermissionDenied(_("只有申请人本人可以撤回申请。"))
        _check_still_pending(change)
        _close(actor=actor, change=change, note=str(WITHDRAWN_BY_REQUESTER_NOTE), action="membership.withdraw_request")
    return change
