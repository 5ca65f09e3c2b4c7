"""慰问标准: the chair's standards for each kind of visit, with their history (issue 21, rules as
pages). Reviewers read; the chair sets; every change keeps its author and reason."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members import access
from members.models import OrgUnitKind
from union_office.history import ReasonForm
from union_office.history import rows as history_rows
from union_office.integers import parse_int

from .. import selectors
from ..forms import VisitRuleForm
from ..models import VisitKind, VisitRule
from ..services import visits as visit_services
from .aid import _error, _render, _require_reviewer


def _rule_units(user: Any) -> Any:
    """The units whose standards the user may read: their scope, without 小组 or merged units."""
    return (
        access.units(user, selectors.VIEW)
        .filter(merged_into__isnull=True)
        .exclude(kind=OrgUnitKind.GROUP)
        .order_by("path")
    )


@require_http_methods(["GET", "POST"])
def visit_rules(request: HttpRequest) -> HttpResponse:
    """Today's standard of every kind at one unit (its own, inherited, or the default), the form
    that sets one, and the history of the rules that reach the unit."""
    user = request.user
    _require_reviewer(user)
    units = _rule_units(user)
    unit = units.filter(pk=parse_int(request.GET.get("unit"))).first() or units.first()
    if unit is None:
        raise Http404
    may_set = access.can(user, visit_services.SET_RULES, unit)
    standards = visit_services.standards_for(unit)
    kind = request.GET.get("kind") if request.GET.get("kind") in VisitKind.values else VisitKind.ILLNESS
    current = standards[kind][0]
    form = VisitRuleForm(
        request.POST or None,
        initial={
            "kind": kind,
            "max_per_visit": current.max_per_visit,
            "max_per_year": current.max_per_year,
            "once_per_cause_per_year": current.once_per_cause_per_year,
            "cash_allowed": current.cash_allowed,
        },
    )
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("慰问标准由工会主席制定。"))
        if form.is_valid():
            try:
                visit_services.visit_rule_set(actor=user, org_unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("慰问标准已调整，调整理由已记入历史。"))
                return redirect(f"{reverse('welfare:visit_rules')}?unit={unit.pk}&kind={form.cleaned_data['kind']}")
    history = VisitRule.history.filter(org_unit__path__in=unit.ancestor_paths()).select_related(
        "org_unit", "history_user"
    )
    context = {
        "unit": unit,
        "units": units,
        "may_set": may_set,
        "rows": [(k, VisitKind(k).label, *standards[k]) for k in VisitKind.values],
        "form": form,
        "clear_form": ReasonForm(),
        "selected": kind,
        "own_selected": standards[kind][1],
        "history": history_rows(
            history,
            visit_services.RULE_FIELDS,
            lambda r: f"{r.org_unit.name} · {r.get_kind_display()}",
            empty={"max_per_visit": _("不限"), "max_per_year": _("不限")},
        ),
        "tab": "rules",
    }
    return _render(request, "welfare/visit_rules.html", context)


@require_POST
def visit_rule_clear(request: HttpRequest, pk: int) -> HttpResponse:
    rule = access.get_visible_or_404(request.user, selectors.VIEW, VisitRule.objects.select_related("org_unit"), pk=pk)
    access.require(request.user, visit_services.SET_RULES, rule.org_unit)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写调整理由（如会议纪要、文件号），它会留在规则的历史里。"))
    else:
        try:
            visit_services.visit_rule_clear(actor=request.user, rule_id=rule.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已恢复上级标准，调整理由已记入历史。"))
    return redirect(f"{reverse('welfare:visit_rules')}?unit={rule.org_unit_id}")
