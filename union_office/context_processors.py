from django.http import HttpRequest
from django.urls import resolve

from .registry import nav_for


def navigation(request: HttpRequest) -> dict:
    """The navigation bar: only the entries the user's roles allow, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    try:
        current_namespace = resolve(request.path_info).namespace
    except Exception:  # a 404 page has no match; nothing to highlight
        current_namespace = ""
    return {"nav_items": nav_for(user), "nav_current": current_namespace}
