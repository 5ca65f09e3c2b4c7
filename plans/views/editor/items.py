"""Adding items."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from plans import editing, selectors
from plans.editing import PlanEditError

from .common import (
    ITEM_FIELDS,
    _context,
    _editable_or_409,
    _problem,
    _render,
    _revision,
    _section,
    _tree_done,
    _values,
)


@require_http_methods(["GET", "POST"])
@never_cache
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    source = request.GET if request.method == "GET" else request.POST
    section = _section(plan, source.get("section"))
    slot = f"section-{section.pk}-add-item"
    context = {"slot": slot, "section": section}
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _render(request, "slot", {"slot": slot})
        return _editable_or_409(request, plan, slot) or _render(
            request, "item_add_form", _context(plan, values={}, **context)
        )
    values = _values(request, ITEM_FIELDS)
    try:
        editing.item_add(
            actor=request.user, plan_id=plan.pk, expected_revision=_revision(request), section_id=section.pk, **values
        )
    except PlanEditError as exc:
        form = ("item_add_form", {"values": values, **context})
        return _problem(request, plan, exc, target=slot, unsaved=values, form=form)
    return _tree_done(request, plan)
