"""The plan editor (the chair's main screen), and the three ways to start a plan: empty, copied, pasted.

The editor is one page; every change is an htmx request that answers with the re-rendered part
(an item, a section heading, the whole tree when numbering moves, the 活动安排 table) and an
out-of-band `#plan-revision` input, which every form includes (hx-include): the next request then
carries the revision this page now shows. A stale revision (someone else saved in between) is
answered 409 with the user's unsaved text and a 重新加载 link, so nothing typed is lost
(plans/editing/ has the rule; static/js/plan-editor.js lets htmx swap 4xx answers).

Access: plans:editor and its endpoints need plans.edit_plan at the plan's unit (403 for someone
who may only read the plan, 404 for someone who may not even see it).
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.forms_membership import UnitChoiceField
from members.models import OrgUnit
from plans import editing, selectors
from plans.deadlines import parse_deadline
from plans.editing import PlanConflict, PlanEditError, PlanNotDraft
from plans.importer import parse_plan, split_documents
from plans.models import Item, Plan, ScheduleEntry, Section
from plans.numbering import child_offset, heading_number, item_depth
from plans.workflow import EDITABLE_STATUSES

TEMPLATE = "plans/editor/editor.html"
LABELS = {
    "title": gettext_lazy("标题"),
    "guiding_ideas": gettext_lazy("指导思想"),
    "text": gettext_lazy("说明"),
    "content": gettext_lazy("工作内容"),
    "goal": gettext_lazy("目标"),
    "measures": gettext_lazy("措施"),
    "deadline_text": gettext_lazy("时限"),
    "owner_text": gettext_lazy("责任人"),
    "month_text": gettext_lazy("月份"),
    "activity": gettext_lazy("活动"),
}
HEADER_FIELDS = ("title", "guiding_ideas")
SECTION_FIELDS = ("title", "text")
ITEM_FIELDS = ("content", "goal", "measures", "deadline_text", "owner_text")
SCHEDULE_FIELDS = ("month_text", "activity")
KINDS = {"section": Section, "item": Item}


# --- Helpers -------------------------------------------------------------------------------


def _revision(request: HttpRequest) -> int | None:
    """The revision the editor's page stands on.

    Not the revision a form was drawn at: the page's revision only moves with the answers to its
    own changes, each of which succeeded only because nobody else had saved in between, so it is
    the one number that says "this page has seen everything up to here". A form's own
    `form_revision` is the fallback of a browser without JavaScript (no #plan-revision to include).
    """
    value = request.POST.get("revision") or request.POST.get("form_revision", "")
    try:
        return int(value)
    except ValueError:
        return None


def _values(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _errors(exc: PlanEditError) -> tuple[dict[str, list[str]], list[str]]:
    """(field errors, other errors) of a service's error."""
    if hasattr(exc, "error_dict"):
        by_field = exc.message_dict
        return {k: v for k, v in by_field.items() if k != "__all__"}, by_field.get("__all__", [])
    return {}, exc.messages


def _context(plan: Plan, **extra: Any) -> dict[str, Any]:
    return {"plan": plan, "editable": plan.status in EDITABLE_STATUSES, **extra}


def _render(request: HttpRequest, partial: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"{TEMPLATE}#{partial}", context, status=status)


def _done(request: HttpRequest, plan: Plan, partial: str, context: dict[str, Any]) -> HttpResponse:
    """After a change: the re-rendered part and the new revision (htmx), or back to the editor."""
    if not request.htmx:
        return redirect("plans:editor", pk=plan.pk)
    plan.refresh_from_db(fields=["revision", "title", "guiding_ideas", "status"])
    return render(request, "plans/editor/swap.html", _context(plan, partial=f"{TEMPLATE}#{partial}", **context))


def _tree_done(request: HttpRequest, plan: Plan) -> HttpResponse:
    response = _done(request, plan, "tree", {"tree": selectors.plan_tree(plan)})
    if request.htmx:
        # The change may have come from a form anywhere in the tree: the whole tree is the answer.
        response["HX-Retarget"] = "#plan-tree"
        response["HX-Reswap"] = "outerHTML"
    return response


def _problem(
    request: HttpRequest,
    plan: Plan,
    exc: PlanEditError,
    *,
    target: str = "",
    unsaved: dict[str, str] | None = None,
    form: tuple[str, dict[str, Any]] | None = None,
    row: bool = False,
) -> HttpResponse:
    """A refused change. Conflicts (stale revision, no longer a draft): 409 with the user's text in
    place of the form, or in the alert area; bad input: the form again with the messages (422);
    a refused move: an alert (400)."""
    field_errors, other_errors = _errors(exc)
    conflict = isinstance(exc, (PlanConflict, PlanNotDraft))
    if not conflict and form is not None:
        partial, context = form
        context = _context(plan, **context, errors=field_errors, non_field_errors=other_errors)
        if not request.htmx:
            return render(request, "plans/editor/problem.html", _context(plan, messages_=exc.messages), status=422)
        return _render(request, partial, context, status=422)
    rows = [(LABELS[name], value) for name, value in (unsaved or {}).items() if value.strip()]
    context = _context(plan, target=target, message=" ".join(exc.messages), unsaved=rows, conflict=conflict, row=row)
    status = 409 if conflict else 400
    if not request.htmx:
        return render(request, "plans/editor/problem.html", context, status=status)
    response = _render(request, "problem", context, status=status)
    if not target:
        response["HX-Retarget"] = "#plan-alerts"
        response["HX-Reswap"] = "innerHTML"
    return response


def _editable_or_409(request: HttpRequest, plan: Plan, target: str, row: bool = False) -> HttpResponse | None:
    """A form asked for on a plan that is no longer a draft: say so in its place."""
    if plan.status in EDITABLE_STATUSES:
        return None
    return _problem(
        request, plan, PlanNotDraft(_("只有草稿可以修改；已批准的计划请新建版本。")), target=target, row=row
    )


def _section(plan: Plan, pk: Any) -> Section:
    return get_object_or_404(Section, pk=pk, plan=plan)


# --- The editor page -----------------------------------------------------------------------


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


# --- Sections and items --------------------------------------------------------------------


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
            return _render(request, "slot", {"slot": slot})
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
        return _editable_or_409(request, plan, target) or _render(
            request, f"{kind}_form", _context(plan, node=_node(plan, kind, obj.pk), values=values)
        )
    values = _values(request, names)
    service = editing.section_update if kind == "section" else editing.item_update
    try:
        service(
            actor=request.user,
            plan_id=plan.pk,
            expected_revision=_revision(request),
            **{f"{kind}_id": obj.pk},
            **values,
        )
    except PlanEditError as exc:
        form = (f"{kind}_form", {"node": _node(plan, kind, obj.pk), "values": values})
        return _problem(request, plan, exc, target=target, unsaved=values, form=form)
    return _done(request, plan, f"{kind}_body", {"node": _node(plan, kind, obj.pk)})


def _node(plan: Plan, kind: str, pk: int) -> Any:
    node = selectors.find_node(selectors.plan_tree(plan), kind, pk)
    if node is None:
        raise Http404(_("该内容已不存在。"))
    return node


def _tree_change(request: HttpRequest, plan: Plan, run: Any) -> HttpResponse:
    try:
        run(actor=request.user, plan_id=plan.pk, expected_revision=_revision(request))
    except PlanEditError as exc:
        return _problem(request, plan, exc)
    return _tree_done(request, plan)


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


# --- 活动安排 --------------------------------------------------------------------------------


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
            return _render(request, "schedule_slot", {"slot": slot})
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


# --- Starting a plan -----------------------------------------------------------------------


def _default_year() -> int:
    # Plans for next year are drafted from October on (the 职代会 adopts them around New Year).
    today = timezone.localdate()
    return today.year + (1 if today.month >= 10 else 0)


class _StartForm(forms.Form):
    org_unit = UnitChoiceField(label=gettext_lazy("单位"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.drafting_units(user)
        self.fields["org_unit"].queryset = units
        if not self.is_bound:
            self.fields["year"].initial = _default_year()
            # The top of the user's scope (their own union) is the usual choice; a chair picks a
            # 分工会 below it only now and then.
            top = units.first()
            self.fields["org_unit"].initial = top.pk if top else None


class PlanCreateForm(_StartForm):
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=editing.TITLE_MAX,
        required=False,
        help_text=gettext_lazy("留空则为“单位名称＋年度＋工作计划”。"),
    )


class PlanSourceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Plan) -> str:
        return _("%(year)s年 · %(unit)s · %(title)s（第 %(version)s 版，%(status)s）") % {
            "year": obj.year,
            "unit": obj.org_unit.name,
            "title": obj.title,
            "version": obj.version,
            "status": obj.get_status_display(),
        }


class PlanCopyForm(_StartForm):
    source = PlanSourceField(
        label=gettext_lazy("复制哪个计划"), queryset=Plan.objects.none(), empty_label=gettext_lazy("请选择计划")
    )
    field_order = ["source", "org_unit", "year"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["source"].queryset = selectors.copy_sources(user)


class PasteForm(_StartForm):
    text = forms.CharField(
        label=gettext_lazy("计划全文"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        max_length=200_000,
        help_text=gettext_lazy(
            "从 Word 中全选复制计划正文粘贴到这里：标题、指导思想、“一、”“（一）”“1、”等章节，"
            "“目标：”“措施：”“时限：”“责任人：”等行，以及逐月的活动安排。一份文件里有多篇（篇一、篇二……）时，下一步选择其中一篇。"
        ),
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=editing.TITLE_MAX, required=False)
    choice = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


def _add_errors(form: forms.Form, exc: PlanEditError) -> None:
    field_errors, other = _errors(exc)
    for name, errors in field_errors.items():
        form.add_error(name if name in form.fields else None, errors)
    if other:
        form.add_error(None, other)


@require_http_methods(["GET", "POST"])
@never_cache
def plan_create(request: HttpRequest) -> HttpResponse:
    """New plan: empty, or a copy of an earlier one; the third way (paste) has its own page."""
    units = selectors.drafting_units(request.user)
    if not units.exists():
        raise PermissionDenied(_("您的角色没有起草工作计划的权限。"))
    mode = request.POST.get("mode", "") if request.method == "POST" else ""
    create_form = PlanCreateForm(request.POST if mode == "empty" else None, user=request.user, prefix="new")
    copy_form = PlanCopyForm(request.POST if mode == "copy" else None, user=request.user, prefix="copy")
    if mode == "empty" and create_form.is_valid():
        data = create_form.cleaned_data
        title = data["title"] or _("%(unit)s%(year)s年工作计划") % {"unit": data["org_unit"].name, "year": data["year"]}
        try:
            plan = editing.plan_create(actor=request.user, org_unit=data["org_unit"], year=data["year"], title=title)
        except PlanEditError as exc:
            _add_errors(create_form, exc)
        else:
            messages.success(request, _("已新建计划草稿《%(title)s》。") % {"title": plan.title})
            return redirect("plans:editor", pk=plan.pk)
    if mode == "copy" and copy_form.is_valid():
        data = copy_form.cleaned_data
        try:
            plan = editing.plan_copy_from(
                actor=request.user, source_plan_id=data["source"].pk, org_unit=data["org_unit"], year=data["year"]
            )
        except PlanEditError as exc:
            _add_errors(copy_form, exc)
        else:
            messages.success(
                request,
                _("已从《%(source)s》复制出 %(year)s 年的计划草稿，所有条目已重置为“未开始”。")
                % {"source": data["source"].title, "year": plan.year},
            )
            return redirect("plans:editor", pk=plan.pk)
    context = {"create_form": create_form, "copy_form": copy_form, "mode": mode}
    return render(request, "plans/editor/create.html", context)


@dataclass
class PreviewItem:
    number: str
    item: Any
    deadline: Any


@dataclass
class PreviewSection:
    number: str
    depth: int
    title: str
    items: list[PreviewItem] = field(default_factory=list)
    children: list["PreviewSection"] = field(default_factory=list)


def _preview(sections: list[Any], year: int, depth: int = 1, offset: int = 0) -> list[PreviewSection]:
    """The parsed tree numbered the way the saved plan will be (plans/selectors.py plan_tree)."""
    result = []
    for index, node in enumerate(sections, start=1):
        items = [
            PreviewItem(
                heading_number(item_depth(depth), i),
                item,
                parse_deadline(item.deadline_text, year) if (item.deadline_text or "").strip() else None,
            )
            for i, item in enumerate(node.items, start=1)
        ]
        result.append(
            PreviewSection(
                number=heading_number(depth, offset + index),
                depth=depth,
                title=node.title,
                items=items,
                children=_preview(list(node.children), year, depth + 1, child_offset(depth, len(items))),
            )
        )
    return result


def _count(sections: list[PreviewSection]) -> tuple[int, int]:
    n_sections = n_items = 0
    for node in sections:
        below = _count(node.children)
        n_sections += 1 + below[0]
        n_items += len(node.items) + below[1]
    return n_sections, n_items


@require_http_methods(["GET", "POST"])
@never_cache
def plan_paste(request: HttpRequest) -> HttpResponse:
    """Paste a plan written in Word: split (篇一, 篇二 …: pick one), parse, review, and only then save.

    Nothing is written before the user presses 保存为草稿: each step posts the text again.
    """
    if not selectors.drafting_units(request.user).exists():
        raise PermissionDenied(_("您的角色没有起草工作计划的权限。"))
    form = PasteForm(request.POST or None, user=request.user)
    context: dict[str, Any] = {"form": form, "step": "paste"}
    if request.method != "POST" or not form.is_valid():
        return render(request, "plans/editor/paste.html", context)
    data = form.cleaned_data
    # Kept apart from the form: a service error on a field takes it out of cleaned_data.
    context.update(unit=data["org_unit"], year=data["year"])
    step = request.POST.get("step", "parse")
    if step in ("review", "save"):
        # The text is already the one plan the user picked (or the only one).
        return _paste_review(request, form, data["text"], context)
    documents = split_documents(data["text"])
    if not documents:
        form.add_error("text", _("没有粘贴任何内容。"))
        return render(request, "plans/editor/paste.html", context)
    if len(documents) == 1:
        return _paste_review(request, form, documents[0].text, context)
    choice = data["choice"]
    if step == "pick" and choice is not None and choice < len(documents):
        return _paste_review(request, form, documents[choice].text, context)
    if step == "pick":
        context["pick_error"] = _("请选择要导入的一篇。")
    context.update(step="pick", documents=documents)
    return render(request, "plans/editor/paste.html", context)


def _paste_review(request: HttpRequest, form: PasteForm, text: str, context: dict[str, Any]) -> HttpResponse:
    data = form.cleaned_data
    parsed = parse_plan(text, year=data["year"])
    if not parsed.sections and not parsed.schedule:
        form.add_error(
            "text",
            _(
                "没有从粘贴的文字中识别出计划的章节或活动安排。请确认粘贴的是工作计划正文："
                "章节以“一、”“（一）”“1、”等开头，活动安排按月份分行。"
            ),
        )
        return render(request, "plans/editor/paste.html", context)
    if request.POST.get("step") == "save":
        try:
            plan = editing.plan_create_from_parsed(
                actor=request.user, org_unit=data["org_unit"], year=data["year"], parsed=parsed, title=data["title"]
            )
        except PlanEditError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存为计划草稿《%(title)s》，可以继续修改。") % {"title": plan.title})
            return redirect("plans:editor", pk=plan.pk)
    tree = _preview(list(parsed.sections), context["year"])
    n_sections, n_items = _count(tree)
    unparsed = sum(1 for node in _walk(tree) for item in node.items if item.deadline and not item.deadline.ok)
    context.update(
        step="review",
        text=text,
        parsed=parsed,
        tree=tree,
        title=data["title"] or parsed.title,
        counts={"sections": n_sections, "items": n_items, "schedule": len(parsed.schedule), "unparsed": unparsed},
    )
    return render(request, "plans/editor/paste.html", context)


def _walk(tree: list[PreviewSection]) -> Any:
    for node in tree:
        yield node
        yield from _walk(node.children)
