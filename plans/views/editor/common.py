"""What the editor's views share: the field names, the revision the page stands on, and the answers
(a re-rendered part with the new revision, or a refused change with the user's text)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans import selectors
from plans.editing import PlanConflict, PlanEditError, PlanNotDraft
from plans.models import Item, Plan, Section
from plans.workflow import EDITABLE_STATUSES
from union_office.integers import parse_int

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
    return parse_int(request.POST.get("revision") or request.POST.get("form_revision", ""))


def _values(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


def _int_or_none(value: str | None) -> int | None:
    return parse_int(value)


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


def _tree_change(request: HttpRequest, plan: Plan, run: Any) -> HttpResponse:
    try:
        run(actor=request.user, plan_id=plan.pk, expected_revision=_revision(request))
    except PlanEditError as exc:
        return _problem(request, plan, exc)
    return _tree_done(request, plan)
