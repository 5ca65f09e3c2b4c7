from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .registry import cards_for


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: the cards each app contributes for the roles this user holds."""
    return render(request, "union_office/dashboard.html", {"cards": cards_for(request)})
