"""{% membership_panel member as panel %}: a member's 会籍变动 history and the buttons allowed now.

A tag rather than a model method (models are not ours to grow for a template): one query for the
history with its units and people, whatever its length; the rest is the workflow table and the
user's grants, which access.grants_for caches on the request's user.
"""

from typing import Any

from django import template

from members import membership
from members.models import Member, MembershipChange

register = template.Library()


@register.simple_tag(takes_context=True)
def membership_panel(context: template.Context, member: Member) -> dict[str, Any]:
    user = context["request"].user
    changes = list(member.changes.select_related("from_unit", "to_unit", "requested_by", "decided_by"))
    pending = next((c for c in changes if c.state == MembershipChange.State.PENDING), None)
    return {
        "rows": [
            {
                "change": change,
                "can_decide": membership.may_approve(user, change),
                "can_withdraw": change is pending and change.requested_by_id == user.pk,
            }
            for change in changes
        ],
        "pending": pending,
        "actions": membership.requestable(user, member, has_pending=pending is not None),
    }
