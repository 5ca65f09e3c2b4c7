"""Adding sections, and indenting and outdenting them."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from plans import editing, selectors
from plans.editing import PlanEditError

from .common import (
    SECTION_FIELDS,
    _context,
    _editable_or_409,
    _problem,
    _render,
    _revision,
    _section,
    _tree_change,
    _tree_done,
    _values,
)


@require_http_methods(["GET", "POST"])
@never_cache
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The form to add a section (under `parent`, or at the top level) and its saving."""
    plan = selectors.plan_get_for_edit(request.user, pk)
    source = request.GET if request.method == "GET" else request.POST
    parent = _section(plan, source["parent"]) if source.get("parent") else None
    slot = f"section-{parent.pk}-add-section" if parent else "plan-add-section"
    context = {"slot": slot, "parent": parent}
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _render(request, "slot", {"slot": slot, "plan": plan})  # the top slot links back to the form
        return _editable_or_409(request, plan, slot) or _render(
            request, "section_add_form", _context(plan, values={}, **context)
        )
    values = _values(request, SECTION_FIELDS)
    try:
        editing.section_add(
            actor=request.user,
            plan_id=plan.pk,
            expected_revision=_revision(request),
            parent_id=parent.pk if parent else None,
            **values,
        )
    except PlanEditError as exc:
        form = ("section_add_form", {"values": values, **context})
        return _problem(request, plan, exc, target=slot, unsaved=values, form=form)
    return _tree_done(request, plan)


@require_POST
@never_cache
def section_indent(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    return _tree_change(request, plan, lambda **kw: editing.section_indent(section_id=node_pk, **kw))


@require_POST
@never_cache
def section_outdent(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    return _tree_change(request, plan, lambda **kw: editing.section_outdent(section_id=node_pk, **kw))
