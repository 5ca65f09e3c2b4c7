"""经费使用规则: the rules a unit sets for its events (rules are data, not code). Organisers read
them; the chair sets, changes and removes them, each time with a reason kept in their history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members import access
from union_office.history import ReasonForm
from union_office.history import rows as history_rows

from .. import services
from ..forms import PolicyRuleEditForm, PolicyRuleForm
from ..models import PolicyRule
from ..selectors import VIEW
from ..services.money import RULE_FIELDS, SET_RULES
from .common import form_errors_from, require_organiser


def _history(request: HttpRequest) -> list:
    records = access.visible(request.user, VIEW, PolicyRule.history.select_related("org_unit", "history_user"))
    return history_rows(
        records, RULE_FIELDS, lambda r: f"{r.org_unit.name} · {r.get_event_kind_display()} · {r.get_rule_display()}"
    )


@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    units = access.units(request.user, SET_RULES).filter(merged_into__isnull=True).order_by("path")
    form = PolicyRuleForm(request.POST or None, units=units)
    if request.method == "POST":
        if not units.exists():
            raise PermissionDenied(_("经费使用规则由工会主席制定。"))
        if form.is_valid():
            try:
                services.policy_rule_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("已新增规则，理由已记入历史。"))
                return redirect("activities:policies")
    rules = access.visible(request.user, VIEW, PolicyRule.objects.select_related("org_unit"))
    context = {
        "rules": rules,
        "form": form,
        "may_set": units.exists(),
        "manageable": set(units.values_list("pk", flat=True)),
        "history": _history(request),
        "tab": "policies",
    }
    return render(request, "activities/policy_list.html", context)


@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_organiser(request.user)
    rule = access.get_visible_or_404(request.user, VIEW, PolicyRule.objects.select_related("org_unit"), pk=pk)
    access.require(request.user, SET_RULES, rule.org_unit)
    form = PolicyRuleEditForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_rule_update(actor=request.user, rule_id=rule.pk, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("规则已调整，理由已记入历史。"))
            return redirect("activities:policies")
    context = {"rule": rule, "form": form, "delete_form": ReasonForm(), "tab": "policies"}
    return render(request, "activities/policy_edit.html", context)


@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_organiser(request.user)
    rule = access.get_visible_or_404(request.user, VIEW, PolicyRule.objects.all(), pk=pk)
    access.require(request.user, SET_RULES, rule.org_unit)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写调整理由（如会议纪要、文件号），它会留在规则的历史里。"))
        return redirect("activities:policy_edit", pk=rule.pk)
    services.policy_rule_delete(actor=request.user, rule_id=rule.pk, reason=form.cleaned_data["reason"])
    messages.success(request, _("已删除规则，理由已记入历史。"))
    return redirect("activities:policies")
