"""兴趣小组: the list, one group with its members and yearly plans, joining, the plan's approval."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access
from union_office.workflow import buttons

from .. import selectors, services
from ..forms import DecisionForm, GroupForm, GroupPlanForm
from ..models import GroupMembership
from ..services.common import own_member
from .common import form_errors_from, manage_units, require_organiser, require_reader


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    context = {
        "groups": selectors.visible_groups(request.user),
        "may_manage": access.has_anywhere(request.user, selectors.MANAGE),
        "tab": "groups",
    }
    return render(request, "activities/group_list.html", context)


@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    form = GroupForm(request.POST or None, units=manage_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect("activities:group_detail", pk=group.pk)
    return render(request, "activities/group_form.html", {"form": form, "tab": "groups"})


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(request.user, pk)
    me = own_member(request.user)
    is_leader = me is not None and me.pk == group.leader_id
    may_manage = access.can(request.user, selectors.MANAGE, group.org_unit)
    plans = list(group.plans.select_related("decided_by", "group__org_unit", "group__leader"))
    for plan in plans:
        plan.actions = buttons(services.groups.GROUP_PLAN, request.user, plan)
    context = {
        "group": group,
        "memberships": GroupMembership.objects.filter(group=group).select_related("member__org_unit"),
        "is_member": selectors.is_member_of(request.user, group),
        "is_leader": is_leader,
        "may_write_plan": is_leader or may_manage,
        "plans": plans,
        "plan_form": GroupPlanForm(),
        "decision_form": DecisionForm(),
        "tab": "groups",
    }
    return render(request, "activities/group_detail.html", context)


@require_POST
def group_membership(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(request.user, pk)
    action = services.group_leave if request.POST.get("leave") == "1" else services.group_join
    try:
        action(actor=request.user, group_id=group.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("activities:group_detail", pk=pk)


@require_POST
def group_plan_save(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(request.user, pk)
    form = GroupPlanForm(request.POST)
    if form.is_valid():
        try:
            services.group_plan_save(actor=request.user, group_id=group.pk, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("年度计划已保存，提交后由工会审批。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("activities:group_detail", pk=pk)


@require_POST
def group_plan_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = selectors.group_plan_get(request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        done = services.group_plan_transition(
            actor=request.user,
            plan_id=plan.pk,
            action=action,
            budget_approved=form.cleaned_data.get("budget_approved"),
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done.done_message)
    return redirect("activities:group_detail", pk=plan.group_id)
