from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .registry import cards_for
from .todo import todo_for


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: the cards each app contributes for the roles this user holds."""
    return render(request, "union_office/dashboard.html", {"cards": cards_for(request)})


@require_GET
def todo_badge(request: HttpRequest) -> HttpResponse:
    """The 待办 count in the navigation bar, loaded after the page (no page pays for it)."""
    return render(request, "union_office/todo_badge.html", {"count": len(todo_for(request.user))})


def todo_card(request: HttpRequest) -> dict:
    """The 工作台's first card: what this user can act on now, across every app."""
    return {"items": todo_for(request.user)}
