"""The plan once drafted: list, read-only document, workflow buttons, versions, following, exports.

Every view gets its plan through `selectors.plan_get` (404 outside the reader's scope); writes go
through plans/services.py, which checks the permission of the move (403) and the state.
"""

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members import access
from members.models import OrgUnit
from union_office.integers import parse_int
from union_office.workflow import buttons as workflow_buttons

from .. import events, exports, selectors, services, workflow
from ..models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry
from ..selectors import iter_sections, plan_tree

PAGE_SIZE = 30
EDIT = "plans.edit_plan"


class PlanFilter(django_filters.FilterSet):
    """Year, unit, status; the unit and year choices come from what the user may read."""

    year = django_filters.ChoiceFilter(label=gettext_lazy("年度"), empty_label=gettext_lazy("全部年度"))
    org_unit = django_filters.ModelChoiceFilter(
        label=gettext_lazy("单位"), queryset=OrgUnit.objects.none(), empty_label=gettext_lazy("全部单位")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=PlanStatus.choices, empty_label=gettext_lazy("全部状态")
    )

    class Meta:
        model = Plan
        fields = ["year", "org_unit", "status"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable = access.visible(user, selectors.VIEW_PERM, Plan.objects.order_by())
        years = readable.values_list("year", flat=True).distinct().order_by("-year")
        self.filters["year"].extra["choices"] = [(y, _("%(year)s年") % {"year": y}) for y in years]
        units = OrgUnit.objects.filter(pk__in=readable.values("org_unit_id")).order_by("path")
        self.filters["org_unit"].queryset = units
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


def _badge(plan: Plan) -> str:
    return {
        PlanStatus.DRAFT: "secondary",
        PlanStatus.REVIEW: "warning",
        PlanStatus.APPROVED: "info",
        PlanStatus.ACTIVE: "success",
        PlanStatus.ARCHIVED: "light",
    }[PlanStatus(plan.status)]


@require_GET
def plan_index(request: HttpRequest) -> HttpResponse:
    """The plans visible to the user, newest year first, with their completion."""
    if not access.has_anywhere(request.user, selectors.VIEW_PERM):
        raise Http404
    plans = selectors.plan_list(request.user)
    plan_filter = PlanFilter(request.GET or None, queryset=plans, user=request.user)
    page = Paginator(plan_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "plan": plan,
            "badge": _badge(plan),
            "completion": selectors.Completion(plan.items_done, plan.items_total),
        }
        for plan in page
    ]
    context = {
        "filter": plan_filter,
        "page": page,
        "rows": rows,
        "may_create": access.has_anywhere(request.user, EDIT),
    }
    return render(request, "plans/plan_list.html", context)


def _transitions(user: Any, plan: Plan) -> list[Any]:
    """The workflow buttons this user may press on this plan now (a guard's reason if not yet)."""
    return workflow_buttons(services.PLAN, user, plan)


def _schedule_with_events(plan: Plan) -> list[ScheduleEntry]:
    """The 活动安排 rows in time order, each with `linked_event` / `linked_schedule` (the activity
    made from it, or None), whether its 时限 recurs, and why it has no button: three queries."""
    schedule = sorted(ScheduleEntry.objects.filter(plan=plan), key=events.schedule_sort_key)
    linked = events.linked_events(entry.pk for entry in schedule)
    recurring = events.linked_schedules(events.source_key(entry.pk) for entry in schedule)
    for entry in schedule:
        entry.linked_event = linked.get(entry.pk)
        entry.linked_schedule = recurring.get(events.source_key(entry.pk))
        entry.recurs = events.schedule_rule(entry.month_text, plan.year) is not None
        entry.no_button_reason = "" if entry.recurs else events.month_refusal(entry)
    return schedule


def _mark_recurring_items(plan: Plan, tree: list) -> None:
    """Each item gets `linked_schedule` and `recurs` (its 时限 names a weekly/monthly day)."""
    items = [child.item for node in iter_sections(tree) for child in node.items]
    linked = events.linked_schedules(f"{events.ITEM_SOURCE}:{item.pk}" for item in items)
    for item in items:
        item.linked_schedule = linked.get(f"{events.ITEM_SOURCE}:{item.pk}")
        item.recurs = bool(item.deadline_text) and events.schedule_rule(item.deadline_text, plan.year) is not None


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan read as a document, with its status, versions and what this user may do next."""
    plan = selectors.plan_get(request.user, pk)
    tree = plan_tree(plan)
    completion = selectors.plan_completion(plan, tree)
    for node in iter_sections(tree):
        node.completion = completion.sections.get(node.pk, selectors.Completion())
    _mark_recurring_items(plan, tree)
    may_edit = access.can(request.user, EDIT, plan.org_unit)
    versions = selectors.plan_versions(plan)
    context = {
        "plan": plan,
        "badge": _badge(plan),
        "tree": tree,
        "schedule": _schedule_with_events(plan),
        "completion": completion,
        "transitions": _transitions(request.user, plan),
        "versions": versions,
        "may_edit_content": may_edit and plan.status in workflow.EDITABLE_STATUSES,
        "may_new_version": may_edit
        and plan.status in workflow.VERSIONABLE_STATUSES
        and not any(v.previous_id == plan.pk for v in versions),
        "trackable": plan.status in workflow.TRACKABLE_STATUSES,
        "may_create_events": events.may_create_events(request.user, plan),
    }
    return render(request, "plans/plan_detail.html", context)


@require_POST
def schedule_event(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """创建活动 on a 活动安排 entry: the event, prefilled; a second click opens the first one's event."""
    plan = selectors.plan_get(request.user, pk)
    if not ScheduleEntry.objects.filter(pk=entry_pk, plan=plan).exists():
        raise Http404
    try:
        event, created = events.schedule_event_create(actor=request.user, entry_id=entry_pk)
    except services.PlanWorkflowError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", pk=pk)
    except ValidationError as exc:  # activities' own checks (a blocking 经费规则 …)
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", pk=pk)
    if created:
        for warning in event.policy_warnings:
            messages.warning(request, warning)
        messages.success(
            request, _("已根据活动安排创建活动“%(title)s”，请补充时间、地点和报名设置。") % {"title": event.title}
        )
    else:
        messages.info(request, _("这条活动安排已经建过活动，已为您打开。"))
    return redirect("activities:event_detail", pk=event.pk)


@require_POST
def recurring_activity(request: HttpRequest, pk: int, kind: str, obj_pk: int) -> HttpResponse:
    """创建周期活动 on a 活动安排 line ("entry") or a plan item ("item") whose 时限 recurs."""
    plan = selectors.plan_get(request.user, pk)
    if kind == "entry" and ScheduleEntry.objects.filter(pk=obj_pk, plan=plan).exists():
        target = {"entry_id": obj_pk}
    elif kind == "item" and Item.objects.filter(pk=obj_pk, section__plan=plan).exists():
        target = {"item_id": obj_pk}
    else:
        raise Http404
    try:
        schedule, created = events.recurring_activity_create(actor=request.user, plan_id=plan.pk, **target)
    except ValidationError as exc:  # PlanWorkflowError, or activities' own checks
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", pk=pk)
    if created:
        messages.success(
            request, _("已创建周期活动“%(title)s”，请补充地点、参加范围和负责人。") % {"title": schedule.title}
        )
    else:
        messages.info(request, _("已经建过这项周期活动，已为您打开。"))
    return redirect("activities:schedule_detail", pk=schedule.pk)


@require_POST
def plan_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    if action not in {t.action for t in workflow.TRANSITIONS}:
        raise Http404
    try:
        result = services.plan_perform(
            actor=request.user, plan_id=plan.pk, action=action, note=request.POST.get("note", "")[:500]
        )
    except services.PlanWorkflowError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(done)s 计划《%(title)s》当前状态：%(status)s。")
            % {"done": result.message, "title": result.obj.title, "status": result.obj.get_status_display()},
        )
    return redirect("plans:detail", pk=pk)


def workflow_label(action: str) -> str:
    return str(next(t.label for t in workflow.TRANSITIONS if t.action == action))


@require_POST
def plan_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    try:
        new = services.plan_new_version(actor=request.user, plan_id=plan.pk)
    except services.PlanWorkflowError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", pk=pk)
    messages.success(
        request,
        _("已新建第 %(version)s 版（草稿），修改后提交审议；批准后取代第 %(old)s 版。")
        % {
            "version": new.version,
            "old": plan.version,
        },
    )
    return redirect("plans:detail", pk=new.pk)


def _plan_param(request: HttpRequest, name: str) -> Plan:
    pk = parse_int(request.GET.get(name))
    if pk is None:
        raise Http404
    return selectors.plan_get(request.user, pk)


@require_GET
def plan_compare(request: HttpRequest) -> HttpResponse:
    """Two plans side by side (?a=<pk>&b=<pk>), the older on the left; both must be readable."""
    first, second = _plan_param(request, "a"), _plan_param(request, "b")
    old, new = sorted([first, second], key=lambda p: (p.year, p.version, p.pk))
    diff = selectors.plan_diff(old, new)
    only_changes = request.GET.get("changes") == "1"
    rows = selectors.changes_in_context(diff.tree) if only_changes else diff.tree
    schedule = [row for row in diff.schedule if row.state != selectors.SAME] if only_changes else diff.schedule
    context = {
        "diff": diff,
        "old": old,
        "new": new,
        "rows": rows,
        "schedule": schedule,
        "only_changes": only_changes,
    }
    return render(request, "plans/plan_compare.html", context)


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=ItemStatus.choices)
    progress_note = forms.CharField(
        label=gettext_lazy("进展情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _follow_row_context(request: HttpRequest, plan: Plan, row: selectors.FollowRow, **extra: Any) -> dict[str, Any]:
    item = row.node.item
    may_update = plan.status in workflow.TRACKABLE_STATUSES and services.may_update_progress(request.user, item, plan)
    return {
        "plan": plan,
        "row": row,
        "may_update": may_update,
        "statuses": ItemStatus.choices,
        **extra,
    }


@require_GET
@never_cache
def plan_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """The items by 时限 (已逾期, 本月, 下月 …), with status and progress forms for those who may update."""
    plan = selectors.plan_get(request.user, pk)
    tree = plan_tree(plan)
    today = timezone.localdate()
    groups = [
        {
            "group": group,
            "rows": [_follow_row_context(request, plan, row) for row in group.rows],
        }
        for group in selectors.plan_following(plan, today, tree)
    ]
    context = {
        "plan": plan,
        "badge": _badge(plan),
        "today": today,
        "groups": groups,
        "completion": selectors.plan_completion(plan, tree),
        "trackable": plan.status in workflow.TRACKABLE_STATUSES,
        "tree": tree,
    }
    return render(request, "plans/plan_follow.html", context)


@require_POST
@never_cache
def item_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one item's status and progress note; htmx gets the updated row back."""
    item = Item.objects.select_related("owner", "section").filter(pk=pk).first()
    if item is None:
        raise Http404
    plan = selectors.plan_get(request.user, item.section.plan_id)
    services.require_progress_permission(request.user, item, plan)
    form = ProgressForm(request.POST)
    error = notice = ""
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            services.item_progress_update(
                actor=request.user,
                item_id=pk,
                status=form.cleaned_data["status"],
                progress_note=form.cleaned_data["progress_note"],
            )
        except services.PlanWorkflowError as exc:
            error = " ".join(exc.messages)
        else:
            notice = _("已保存。")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("plans:follow", pk=plan.pk)
    row = next(
        row
        for group in selectors.plan_following(plan, timezone.localdate())
        for row in group.rows
        if row.node.item.pk == pk
    )
    context = _follow_row_context(request, plan, row, error=error, notice=notice)
    return render(request, "plans/plan_follow.html#item_row", context)


def _export(request: HttpRequest, pk: int) -> tuple[Plan, dict[str, Any]]:
    plan = selectors.plan_get(request.user, pk)
    return plan, exports.plan_document(plan)


@require_GET
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan, document = _export(request, pk)
    response = HttpResponse(exports.plan_pdf(plan, document), content_type="application/pdf")
    filename = exports.export_filename(plan, "pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response


@require_GET
def export_docx(request: HttpRequest, pk: int) -> HttpResponse:
    plan, document = _export(request, pk)
    response = HttpResponse(exports.plan_docx(plan, document), content_type=exports.DOCX_CONTENT_TYPE)
    filename = exports.export_filename(plan, "docx")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
