"""Adding items, and the 责任人 picker of the item forms."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from members import access
from plans import editing, selectors
from plans.editing import PlanEditError

from .common import (
    ITEM_FIELDS,
    _context,
    _editable_or_409,
    _int_or_none,
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
    owner = request.POST.get("owner", "")
    try:
        editing.item_add(
            actor=request.user,
            plan_id=plan.pk,
            expected_revision=_revision(request),
            section_id=section.pk,
            owner_id=_int_or_none(owner),
            **values,
        )
    except PlanEditError as exc:
        form = ("item_add_form", {"values": {**values, "owner": owner}, **context})
        return _problem(request, plan, exc, target=slot, unsaved=values, form=form)
    return _tree_done(request, plan)


@require_GET
@never_cache
def owner_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    """Members whose name contains what was typed in a 责任人 field, to pick from (nothing saved).

    Only for someone who may draft the plan and see its unit's roster: the list names members, so
    anyone else gets 404 (403 for a reader of the plan, as every editor endpoint). Name, unit and
    department only: the picker needs no ID number, phone or birth date.
    """
    plan = selectors.plan_get_for_edit(request.user, pk)
    if not access.can(request.user, selectors.VIEW_MEMBER_PERM, plan.org_unit):
        raise Http404(_("没有找到该记录，或您无权查看。"))
    query = request.GET.get("owner_text", "").strip()[: editing.OWNER_MAX]
    members = selectors.owner_suggestions(request.user, plan, query) if query else []
    return _render(request, "owner_suggestions", _context(plan, members=members, query=query))
