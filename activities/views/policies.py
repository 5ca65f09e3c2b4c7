"""经费使用规则: the rules a unit sets for its events (rules are data, not code)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from members import access

from .. import services
from ..forms import PolicyRuleForm
from ..models import PolicyRule
from ..selectors import MANAGE, VIEW
from .common import form_errors_from, manage_units, require_organiser


@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    require_organiser(request.user)
    units = manage_units(request.user)
    form = PolicyRuleForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect("activities:policies")
    rules = access.visible(request.user, VIEW, PolicyRule.objects.select_related("org_unit"))
    context = {"rules": rules, "form": form, "manageable": {u.pk for u in units}, "tab": "policies"}
    return render(request, "activities/policy_list.html", context)


@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_organiser(request.user)
    rule = access.get_visible_or_404(request.user, VIEW, PolicyRule.objects.all(), pk=pk)
    access.require(request.user, MANAGE, rule.org_unit)
    services.policy_rule_delete(actor=request.user, rule_id=rule.pk)
    messages.success(request, "已删除规则。")
    return redirect("activities:policies")
