"""What works on sections and items alike: editing in place, deleting, drag and drop."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from plans import editing, selectors
from plans.editing import PlanEditError
from plans.models import Plan

from .common import (
    ITEM_FIELDS,
    KINDS,
    SECTION_FIELDS,
    _context,
    _done,
    _editable_or_409,
    _int_or_none,
    _problem,
    _render,
    _revision,
    _tree_change,
    _values,
)


@require_http_methods(["GET", "POST"])
@never_cache
def node_edit(request: HttpRequest, pk: int, kind: str, node_pk: int) -> HttpResponse:
    """GET: the edit form of a section heading or an item (or, with ?cancel=1, its display); POST: save."""
    plan = selectors.plan_get_for_edit(request.user, pk)
    model = KINDS.get(kind)
    if model is None:
        raise Http404(_("未知的节点类型。"))
    node_filter = {"plan": plan} if kind == "section" else {"section__plan": plan}
    obj = get_object_or_404(model, pk=node_pk, **node_filter)
    names = SECTION_FIELDS if kind == "section" else ITEM_FIELDS
    target = f"{kind}-{obj.pk}-body"
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _render(request, f"{kind}_body", _context(plan, node=_node(plan, kind, obj.pk)))
        values = {name: getattr(obj, name) for name in names}
        if kind == "item":
            values["owner"] = obj.owner_id or ""
        return _editable_or_409(request, plan, target) or _render(
            request, f"{kind}_form", _context(plan, node=_node(plan, kind, obj.pk), values=values)
        )
    values = _values(request, names)
    owner = request.POST.get("owner", "")
    service = editing.section_update if kind == "section" else editing.item_update
    try:
        service(
            actor=request.user,
            plan_id=plan.pk,
            expected_revision=_revision(request),
            **{f"{kind}_id": obj.pk},
            **({"owner_id": _int_or_none(owner)} if kind == "item" else {}),
            **values,
        )
    except PlanEditError as exc:
        shown = {**values, "owner": owner} if kind == "item" else values
        form = (f"{kind}_form", {"node": _node(plan, kind, obj.pk), "values": shown})
        return _problem(request, plan, exc, target=target, unsaved=values, form=form)
    return _done(request, plan, f"{kind}_body", {"node": _node(plan, kind, obj.pk)})


def _node(plan: Plan, kind: str, pk: int) -> Any:
    node = selectors.find_node(selectors.plan_tree(plan), kind, pk)
    if node is None:
        raise Http404(_("该内容已不存在。"))
    return node


@require_POST
@never_cache
def node_delete(request: HttpRequest, pk: int, kind: str, node_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_edit(request.user, pk)
    if kind not in KINDS:
        raise Http404(_("未知的节点类型。"))
    return _tree_change(request, plan, lambda **kw: editing.node_delete(kind=kind, node_id=node_pk, **kw))


@require_POST
@never_cache
def node_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop (static/js/plan-editor.js) or a 上移/下移 button: kind, node_id, parent_id, index."""
    plan = selectors.plan_get_for_edit(request.user, pk)
    post = request.POST
    return _tree_change(
        request,
        plan,
        lambda **kw: editing.node_move(
            kind=post.get("kind", ""),
            node_id=_int_or_none(post.get("node_id")),
            new_parent_id=_int_or_none(post.get("parent_id")),
            new_index=post.get("index", ""),
            **kw,
        ),
    )
