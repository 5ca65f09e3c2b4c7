from typing import Any

from django import template

from members import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_organise(context: dict[str, Any]) -> bool:
    """Does the current user organise events anywhere? (the 经费规则 tab)"""
    request = context.get("request")
    return request is not None and access.has_anywhere(request.user, "activities.manage_events")
