"""会籍变动: the membership workflow table, and the services that walk it.

`TRANSITIONS` is the one table: for each kind of change, which member statuses it may start from,
who may ask for it, at which unit it is approved and which status approval leaves the member in.
The services below, the buttons on the member page (templatetags/membership.py), the approval
inbox and docs/membership.md all read it.

Who approves: `members.change_member` at the unit that *receives* the member for the kinds that
bring a member in (入会, 转会, 转入) and at the member's own unit for the kinds that end or change
their membership there (转出, 退会, 退休, 去世). For a 转会 inside the installation the receiving
union accepts the member (a union admits its members, 《中国工会章程》); a common ancestor's
chair holds the permission over the target's subtree as well, so no separate rule is needed.

Locks: every service that changes a pending request locks the member row first, then the change
row. Two approvers clicking at once therefore queue on the member row; the second one then reads
the change as already decided and gets a message, and nothing is applied twice.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office.audit import audit_record, changed_fields, snapshot

from . import access
from .idcard import parse_id_number
from .models import Member, MembershipChange, MembershipChangeKind, MembershipChangeState, MemberStatus, OrgUnit
from .services import EDITABLE_FIELDS

Kind = MembershipChangeKind
State = MembershipChangeState
Status = MemberStatus

PERM = "members.change_member"
# How far ahead a change may be dated: a 退休 is often filed a few months before the day.
MAX_DAYS_AHEAD = 366
WITHDRAWN_BY_REQUESTER_NOTE = _("申请人撤回")


class MembershipError(ValidationError):
    """An illegal move in the membership workflow, with a message the user can read."""


@dataclass(frozen=True)
class Transition:
    kind: MembershipChangeKind
    from_statuses: tuple[MemberStatus, ...]
    to_status: MemberStatus
    # The member themself may file it (besides the committee and chair of their unit).
    member_may_request: bool
    # Which unit of the change must approve it: "to_unit" (the receiving union) or "from_unit".
    approved_at: str
    asks_to_unit: bool = False
    asks_external_unit: bool = False
    needs_reason: bool = False

    @property
    def label(self) -> str:
        return self.kind.label


TRANSITIONS: dict[str, Transition] = {
    t.kind: t
    for t in [
        Transition(Kind.JOIN, (Status.APPLYING,), Status.ACTIVE, True, "to_unit"),
        Transition(Kind.TRANSFER, (Status.ACTIVE,), Status.ACTIVE, False, "to_unit", asks_to_unit=True),
        Transition(
            Kind.TRANSFER_OUT,
            (Status.ACTIVE,),
            Status.TRANSFERRED_OUT,
            False,
            "from_unit",
            asks_external_unit=True,
            needs_reason=True,
        ),
        # APPLYING: a person new to the roster is entered as APPLYING with the request (see
        # membership_transfer_in); a former member's own record is reactivated, never copied.
        Transition(
            Kind.TRANSFER_IN,
            (Status.APPLYING, Status.TRANSFERRED_OUT, Status.WITHDRAWN),
            Status.ACTIVE,
            False,
            "to_unit",
            asks_to_unit=True,
            asks_external_unit=True,
        ),
        Transition(Kind.WITHDRAW, (Status.ACTIVE,), Status.WITHDRAWN, True, "from_unit", needs_reason=True),
        Transition(Kind.RETIRE, (Status.ACTIVE,), Status.RETIRED, False, "from_unit"),
        Transition(Kind.DECEASE, (Status.ACTIVE, Status.RETIRED), Status.DECEASED, False, "from_unit"),
    ]
}

# The member fields an approval may change, audited as [old, new].
APPROVAL_FIELDS = ["status", "org_unit", "department", "joined_on"]
REQUEST_FIELDS = ["kind", "effective_on", "from_unit", "to_unit", "external_unit", "reason"]
JOINABLE_UNIT_KINDS = (OrgUnit.Kind.BASE, OrgUnit.Kind.BRANCH)


# --- Reading the table ------------------------------------------------------------------------


def transition_for(kind: str) -> Transition:
    try:
        return TRANSITIONS[kind]
    except KeyError:
        raise MembershipError(_("未知的会籍变动类型。")) from None


def approval_unit(change: MembershipChange) -> OrgUnit:
    """The unit whose committee or chair decides this change."""
    unit = getattr(change, TRANSITIONS[change.kind].approved_at)
    # Only rows written outside these services lack it; their member's unit decides.
    return unit or change.member.org_unit


def may_request(user: Any, member: Member, kind: str, to_unit: OrgUnit | None = None) -> bool:
    """May `user` file a change of `kind` for `member` (whatever the member's status)?"""
    transition = TRANSITIONS[kind]
    if transition.member_may_request and member.user_id is not None and member.user_id == user.pk:
        return True
    # A 转入 is filed by the receiving union; the others by the member's own union.
    unit = to_unit if kind == Kind.TRANSFER_IN and to_unit is not None else member.org_unit
    return access.can(user, PERM, unit)


def may_approve(user: Any, change: MembershipChange) -> bool:
    return change.state == State.PENDING and access.can(user, PERM, approval_unit(change))


def status_blocker(member: Member, kind: str) -> str | None:
    """Why the member's status forbids this kind now, or None."""
    if member.status in TRANSITIONS[kind].from_statuses:
        return None
    return str(
        _("该会员当前状态为%(status)s，不能办理%(kind)s。")
        % {"status": member.get_status_display(), "kind": TRANSITIONS[kind].label}
    )


def pending_message(pending: MembershipChange | None) -> str:
    if pending is None:
        return str(_("该会员已有一项待审批的会籍变动，请先审批或撤回后再申请。"))
    return str(
        _("该会员已有一项待审批的会籍变动（%(kind)s，%(date)s 提交），请先审批或撤回后再申请。")
        % {"kind": pending.get_kind_display(), "date": timezone.localtime(pending.created_at).date().isoformat()}
    )


def requestable(user: Any, member: Member, *, has_pending: bool) -> list[Transition]:
    """The changes `user` may file for `member` now: the buttons on the member page."""
    if has_pending:
        return []
    return [t for t in TRANSITIONS.values() if member.status in t.from_statuses and may_request(user, member, t.kind)]


def duplicate_message(existing: Member) -> str:
    """The message for an ID number already in the roster, naming where, with what to do instead."""
    if existing.status == Status.ACTIVE:
        hint = _("如是转会请办理转会。")
    elif existing.status in TRANSITIONS[Kind.TRANSFER_IN].from_statuses:
        hint = _("如是重新入会或从系统外转回，请办理转入。")
    else:
        hint = _("请核对身份证号。")
    return str(
        _("该身份证号已在花名册中：%(name)s（%(unit)s，%(status)s），%(hint)s")
        % {"name": existing.name, "unit": existing.org_unit, "status": existing.get_status_display(), "hint": hint}
    )


# --- Selectors ------------------------------------------------------------------------------


def _approver_q(user: Any) -> Q:
    by_unit: dict[str, list[str]] = {}
    for kind, transition in TRANSITIONS.items():
        by_unit.setdefault(transition.approved_at, []).append(kind)
    q = Q(pk__in=[])
    for field, kinds in by_unit.items():
        q |= Q(kind__in=kinds) & access.unit_q(user, PERM, field)
    return q


def approvable_changes(user: Any) -> QuerySet[MembershipChange]:
    """Pending changes `user` may decide, oldest first (the approval inbox)."""
    qs = MembershipChange.objects.filter(state=State.PENDING)
    if not (user.is_superuser and user.is_active):
        qs = qs.filter(_approver_q(user))
    return qs.select_related(
        "member", "member__org_unit", "from_unit", "to_unit", "from_unit__parent", "to_unit__parent", "requested_by"
    ).order_by("created_at", "pk")


def change_get(user: Any, pk: int) -> MembershipChange:
    """One change: roster readers of either unit, the requester or the member themself; else 404."""
    qs = MembershipChange.objects.select_related(
        "member", "member__org_unit", "from_unit", "to_unit", "from_unit__parent", "to_unit__parent", "requested_by"
    )
    if not (user.is_superuser and user.is_active):
        view = "members.view_member"
        qs = qs.filter(
            access.unit_q(user, view, "from_unit")
            | access.unit_q(user, view, "to_unit")
            | access.unit_q(user, view, "member__org_unit")
            | Q(requested_by_id=user.pk)
            | Q(member__user_id=user.pk)
        )
    change = qs.filter(pk=pk).first()
    if change is None:
        raise Http404(_("没有找到该会籍变动，或您无权查看。"))
    return change


# --- Services -------------------------------------------------------------------------------


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
    pending = MembershipChange.objects.filter(member=member, state=State.PENDING).first()
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


def membership_approve(*, actor: Any, change_id: int, note: str = "") -> MembershipChange:
    """Approve a pending change and apply it to the member, per TRANSITIONS."""
    with transaction.atomic():
        member, change = _lock_pending(change_id)
        _require_approver(actor, change)
        _check_still_pending(change)
        transition = TRANSITIONS[change.kind]
        blocker = status_blocker(member, change.kind)
        if blocker:
            raise MembershipError(blocker)
        # The request named the member's unit at the time; a roster edit since then moved them.
        expected_unit_id = change.from_unit_id or (None if transition.asks_to_unit else change.to_unit_id)
        if expected_unit_id is not None and member.org_unit_id != expected_unit_id:
            raise MembershipError(_("会员的所属工会在申请之后已经变更，请驳回本申请后重新办理。"))
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
        change.state = State.APPROVED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.decision_note = (note or "").strip()
        change.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            actor=actor,
            action="membership.approve",
            obj=member,
            changes=changed_fields(before, snapshot(member, APPROVAL_FIELDS)),
        )
    return change


def _close(*, actor: Any, change: MembershipChange, note: str, action: str) -> None:
    change.state = State.REJECTED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=change,
        changes={"state": [State.PENDING.value, State.REJECTED.value], "decision_note": [None, note]},
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


def membership_withdraw_request(*, actor: Any, change_id: int) -> MembershipChange:
    """The requester takes back a pending request: it is closed as 已驳回 with the note 申请人撤回."""
    with transaction.atomic():
        _member, change = _lock_pending(change_id)
        if change.requested_by_id != actor.pk:
            raise PermissionDenied(_("只有申请人本人可以撤回申请。"))
        _check_still_pending(change)
        _close(actor=actor, change=change, note=str(WITHDRAWN_BY_REQUESTER_NOTE), action="membership.withdraw_request")
    return change


def _new_member(*, data: dict[str, Any], status: str, user: Any = None) -> Member:
    """Build, validate and insert a member record; an ID number already on the roster is refused."""
    try:
        number = parse_id_number(data.get("id_number", "")).number
    except ValidationError as exc:
        raise MembershipError({"id_number": exc.messages}) from None
    existing = Member.objects.with_id_number(number).select_related("org_unit").first()
    if existing is not None:
        raise MembershipError({"id_number": duplicate_message(existing)})
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
            {"id_number": duplicate_message(existing) if existing else _("该身份证号已在花名册中。")}
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
        member = _new_member(data=data, status=Status.ACTIVE)
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
        member = _new_member(data=data, status=Status.APPLYING, user=actor)
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
                raise MembershipError({"id_number": duplicate_message(member)})
        else:
            member = _new_member(data={**data, "org_unit": to_unit, "id_number": number}, status=Status.APPLYING)
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


# --- Registration (called from MembersConfig.ready) -----------------------------------------


def pending_approvals_card(request: HttpRequest) -> dict[str, Any] | None:
    """工作台: "待审批的会籍变动 N 件", only for someone with something to decide."""
    user = request.user
    if not access.has_anywhere(user, PERM):
        return None
    count = approvable_changes(user).count()
    return {"count": count} if count else None


def join_card(request: HttpRequest) -> dict[str, Any] | None:
    """工作台: an invitation to apply, for a login with no member record (not the IT superuser)."""
    user = request.user
    if user.is_superuser or Member.objects.filter(user=user).exists():
        return None
    return {}


def register() -> None:
    from union_office.registry import DashboardCard, register_audit_actions, register_card

    register_audit_actions(
        {
            "member.create": _("新增会员"),
            "membership.request": _("申请会籍变动"),
            "membership.approve": _("批准会籍变动"),
            "membership.reject": _("驳回会籍变动"),
            "membership.withdraw_request": _("撤回会籍变动申请"),
            "membership.apply_to_join": _("申请入会"),
        }
    )
    register_card(
        DashboardCard("membership_pending", "members/membership/dashboard_card.html", -10, pending_approvals_card)
    )
    register_card(DashboardCard("membership_join", "members/membership/join_card.html", -9, join_card))
