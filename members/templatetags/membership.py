"""{% membership_panel member as panel %}: a member's 会籍变动 history and the buttons allowed now.

A tag rather than a model method (models are not ours to grow for a template): one query for the
history with its units and people, whatever its length; the rest is the workflow table and the
user's grants, which access.grants_for caches on the request's user.
"""

from typing import Any

from django import template

from members import membership
from members.models import OPEN_CHANGE_STATES, Member, MembershipChange

register = template.Library()


@register.simple_tag(takes_context=True)
def membership_panel(context: template.Context, member: Member) -> dict[str, Any]:
    user = context["request"].user
    changes = list(member.changes.select_related("from_unit", "to_unit", "requested_by", "decided_by"))
    # The member's one open change: a request waiting for approval, or an approved one waiting for its date.
    open_change = next((c for c in changes if c.state in OPEN_CHANGE_STATES), None)
    pending = open_change if open_change is not None and open_change.state == MembershipChange.State.PENDING else None
    scheduled = (
        open_change if open_change is not None and open_change.state == MembershipChange.State.SCHEDULED else None
    )
    return {
        "rows": [
            {
                "change": change,
                "can_decide": membership.may_approve(user, change),
                "can_cancel": membership.may_cancel(user, change),
                "can_withdraw": change is pending and change.requested_by_id == user.pk,
            }
            for change in changes
        ],
        "pending": pending,
        "scheduled": scheduled,
        "scheduled_status": membership.TRANSITIONS[scheduled.kind].to_status.label if scheduled else "",
        "actions": membership.requestable(user, member, has_pending=open_change is not None),
    }
