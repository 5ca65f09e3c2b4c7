"""The workflow table of 会籍变动 and what reads it: who may file, who approves, what blocks.

`TRANSITIONS` is the one table: for each kind of change, which member statuses it may start from,
who may ask for it, at which unit it is approved and which status approval leaves the member in.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access
from members.models import Member, MembershipChange, MembershipChangeKind, MembershipChangeState, MemberStatus, OrgUnit

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


def may_cancel(user: Any, change: MembershipChange) -> bool:
    """May `user` call off an approved change that waits for its date? Its approvers may."""
    return change.state == State.SCHEDULED and access.can(user, PERM, approval_unit(change))


def status_blocker(member: Member, kind: str) -> str | None:
    """Why the member's status forbids this kind now, or None."""
    if member.status in TRANSITIONS[kind].from_statuses:
        return None
    return str(
        _("该会员当前状态为%(status)s，不能办理%(kind)s。")
        % {"status": member.get_status_display(), "kind": TRANSITIONS[kind].label}
    )


def pending_message(pending: MembershipChange | None) -> str:
    """Why no second change may be filed: the member's open one (pending, or approved and dated ahead)."""
    if pending is not None and pending.state == State.SCHEDULED:
        return str(
            _("该会员已有一项已批准、待生效的会籍变动（%(kind)s，%(date)s 生效），如需改办，请先撤销该变动。")
            % {"kind": pending.get_kind_display(), "date": pending.effective_on.isoformat()}
        )
    if pending is None:
        return str(_("该会员已有一项待审批的会籍变动，请先审批或撤回后再申请。"))
    return str(
        _("该会员已有一项待审批的会籍变动（%(kind)s，%(date)s 提交），请先审批或撤回后再申请。")
        % {"kind": pending.get_kind_display(), "date": timezone.localtime(pending.created_at).date().isoformat()}
    )


def requestable(user: Any, member: Member, *, has_pending: bool) -> list[Transition]:
    """The changes `user` may file for `member` now: the buttons on the member page.

    `has_pending`: the member has an open change (pending or 待生效), which blocks any other."""
    if has_pending:
        return []
    return [t for t in TRANSITIONS.values() if member.status in t.from_statuses and may_request(user, member, t.kind)]


NEUTRAL_DUPLICATE = _("该身份证号已在花名册中登记，不能重复录入。如是转会，请与会员原所在的工会联系。")


def duplicate_message(existing: Member, *, actor: Any) -> str:
    """The message for an ID number already in the roster, naming where, with what to do instead.

    Only to someone who may read that roster entry: anyone else gets a message that names no
    person, unit or status (issue 17, finding 2).
    """
    if not access.can(actor, "members.view_member", existing.org_unit):
        return str(NEUTRAL_DUPLICATE)
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
