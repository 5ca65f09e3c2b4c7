"""The editor page itself, the plan's header (title, 指导思想), and the 时限 preview."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from plans import editing, selectors
from plans.deadlines import parse_deadline
from plans.editing import PlanEditError
from plans.workflow import EDITABLE_STATUSES

from .common import (
    HEADER_FIELDS,
    TEMPLATE,
    _context,
    _done,
    _problem,
    _render,
    _revision,
    _values,
)


@require_GET
@never_cache
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    context = _context(plan, tree=selectors.plan_tree(plan), schedule=selectors.plan_schedule(plan))
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
@never_cache
def header_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    if request.method == "GET":
        if request.GET.get("cancel") or plan.status not in EDITABLE_STATUSES:
            return _render(request, "header", _context(plan))
        return _render(request, "header_form", _context(plan, values={n: getattr(plan, n) for n in HEADER_FIELDS}))
    values = _values(request, HEADER_FIELDS)
    try:
        editing.plan_update_header(actor=request.user, plan_id=plan.pk, expected_revision=_revision(request), **values)
    except PlanEditError as exc:
        return _problem(
            request, plan, exc, target="plan-header", unsaved=values, form=("header_form", {"values": values})
        )
    return _done(request, plan, "header", {})


@require_GET
@never_cache
def deadline_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """How plans/deadlines.py reads a 时限 typed in an item form, for the plan's year (nothing saved)."""
    plan = selectors.plan_get_for_edit(request.user, pk)
    text = request.GET.get("deadline_text", "").strip()[: editing.DEADLINE_MAX]
    deadline = parse_deadline(text, plan.year) if text else None
    return _render(request, "deadline_preview", _context(plan, deadline=deadline))
