"""The 活动安排 table: add, edit, delete and reorder its rows."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from plans import editing, selectors
from plans.editing import PlanEditError
from plans.models import Plan, ScheduleEntry

from .common import (
    SCHEDULE_FIELDS,
    _context,
    _done,
    _editable_or_409,
    _int_or_none,
    _problem,
    _render,
    _revision,
    _values,
)


def _schedule_done(request: HttpRequest, plan: Plan) -> HttpResponse:
    response = _done(request, plan, "schedule", {"schedule": selectors.plan_schedule(plan)})
    if request.htmx:
        response["HX-Retarget"] = "#plan-schedule"
        response["HX-Reswap"] = "outerHTML"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def schedule_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    slot = "schedule-add"
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _render(request, "schedule_slot", {"slot": slot, "plan": plan})  # its button links to the form
        return _editable_or_409(request, plan, slot, row=True) or _render(
            request, "schedule_form", _context(plan, values={}, entry=None, slot=slot)
        )
    values = _values(request, SCHEDULE_FIELDS)
    try:
        editing.schedule_entry_add(actor=request.user, plan_id=plan.pk, expected_revision=_revision(request), **values)
    except PlanEditError as exc:
        form = ("schedule_form", {"values": values, "entry": None, "slot": slot})
        return _problem(request, plan, exc, target=slot, unsaved=values, form=form, row=True)
    return _schedule_done(request, plan)


@require_http_methods(["GET", "POST"])
@never_cache
def schedule_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    entry = get_object_or_404(ScheduleEntry, pk=entry_pk, plan=plan)
    slot = f"entry-{entry.pk}"
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _render(request, "schedule_row", _context(plan, entry=entry))
        values = {name: getattr(entry, name) for name in SCHEDULE_FIELDS}
        return _editable_or_409(request, plan, slot, row=True) or _render(
            request, "schedule_form", _context(plan, values=values, entry=entry, slot=slot)
        )
    values = _values(request, SCHEDULE_FIELDS)
    try:
        editing.schedule_entry_update(
            actor=request.user, plan_id=plan.pk, expected_revision=_revision(request), entry_id=entry.pk, **values
        )
    except PlanEditError as exc:
        form = ("schedule_form", {"values": values, "entry": entry, "slot": slot})
        return _problem(request, plan, exc, target=slot, unsaved=values, form=form, row=True)
    return _schedule_done(request, plan)


def _schedule_change(request: HttpRequest, plan: Plan, run: Any) -> HttpResponse:
    try:
        run(actor=request.user, plan_id=plan.pk, expected_revision=_revision(request))
    except PlanEditError as exc:
        return _problem(request, plan, exc)
    return _schedule_done(request, plan)


@require_POST
@never_cache
def schedule_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    return _schedule_change(request, plan, lambda **kw: editing.schedule_entry_delete(entry_id=entry_pk, **kw))


@require_POST
@never_cache
def schedule_move(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    entry_id = _int_or_none(request.POST.get("entry_id"))
    index = request.POST.get("index", "")
    return _schedule_change(
        request, plan, lambda **kw: editing.schedule_entry_move(entry_id=entry_id, new_index=index, **kw)
    )
