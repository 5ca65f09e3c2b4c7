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

from .enrolment import member_create, membership_apply_to_join, membership_transfer_in
from .registration import join_card, pending_approvals_card, register
from .selectors import approvable_changes, change_get, scheduled_changes
from .services import (
    membership_apply_due,
    membership_approve,
    membership_cancel,
    membership_reject,
    membership_request,
    membership_withdraw_request,
)
from .workflow import (
    APPROVAL_FIELDS,
    JOINABLE_UNIT_KINDS,
    MAX_DAYS_AHEAD,
    NEUTRAL_DUPLICATE,
    PERM,
    REQUEST_FIELDS,
    TRANSITIONS,
    WITHDRAWN_BY_REQUESTER_NOTE,
    Kind,
    MembershipError,
    State,
    Status,
    Transition,
    approval_unit,
    duplicate_message,
    may_approve,
    may_cancel,
    may_request,
    pending_message,
    requestable,
    status_blocker,
    transition_for,
)

__all__ = [
    "APPROVAL_FIELDS",
    "JOINABLE_UNIT_KINDS",
    "MAX_DAYS_AHEAD",
    "PERM",
    "REQUEST_FIELDS",
    "TRANSITIONS",
    "WITHDRAWN_BY_REQUESTER_NOTE",
    "Kind",
    "MembershipError",
    "State",
    "Status",
    "Transition",
    "approvable_changes",
    "scheduled_changes",
    "approval_unit",
    "change_get",
    "NEUTRAL_DUPLICATE",
    "duplicate_message",
    "join_card",
    "may_approve",
    "may_cancel",
    "may_request",
    "member_create",
    "membership_apply_due",
    "membership_apply_to_join",
    "membership_approve",
    "membership_cancel",
    "membership_reject",
    "membership_request",
    "membership_transfer_in",
    "membership_withdraw_request",
    "pending_approvals_card",
    "pending_message",
    "register",
    "requestable",
    "status_blocker",
    "transition_for",
]
