"""Budgets: list, the budget table (editable lines while 草稿), workflow buttons, adjustments."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from members import access
from union_office.workflow import buttons as workflow_buttons

from .. import selectors, services, workflow
from ..forms import AdjustmentForm, BudgetCreateForm
from ..models import Account, AccountKind, BudgetAdjustment, BudgetStatus
from .ledger import require_reader, require_writer

STATUS_BADGE = {BudgetStatus.DRAFT: "secondary", BudgetStatus.SUBMITTED: "warning", BudgetStatus.APPROVED: "success"}


@require_GET
def budget_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    budgets = selectors.visible_budgets(request.user).order_by("-year", "org_unit__path")
    page = Paginator(budgets, 30).get_page(request.GET.get("page"))
    may_create = access.has_anywhere(request.user, selectors.CHANGE)
    create_form = BudgetCreateForm(units=selectors.ledger_units(request.user, selectors.CHANGE)) if may_create else None
    context = {"page": page, "create_form": create_form, "badges": STATUS_BADGE, "tab": "budget"}
    return render(request, "finance/budget_list.html", context)


@require_POST
def budget_create(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    form = BudgetCreateForm(request.POST, units=selectors.ledger_units(request.user, selectors.CHANGE))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("finance:budget_list")
    try:
        budget = services.budget_create(
            actor=request.user, org_unit=form.cleaned_data["unit"], year=form.cleaned_data["year"]
        )
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finance:budget_list")
    messages.success(request, _("已新建%(budget)s（草稿），请填写各科目的本年预算。") % {"budget": budget})
    return redirect("finance:budget_detail", pk=budget.pk)


@require_GET
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = selectors.budget_get(request.user, pk)
    rows = selectors.budget_rows(budget)
    may_edit = budget.status in workflow.EDITABLE_STATUSES and access.can(
        request.user, selectors.CHANGE, budget.org_unit
    )
    may_adjust = budget.status in workflow.IN_FORCE_STATUSES and access.can(
        request.user, selectors.APPROVE, budget.org_unit
    )
    transitions = workflow_buttons(services.BUDGET, request.user, budget)
    adjustments = BudgetAdjustment.objects.filter(line__budget=budget).select_related("line__account", "recorded_by")
    budgeted = [row for row in rows if row.line is not None]
    context = {
        "budget": budget,
        "badge": STATUS_BADGE[BudgetStatus(budget.status)],
        "rows": rows,
        "may_edit": may_edit,
        "may_adjust": may_adjust,
        "adjust_form": AdjustmentForm() if may_adjust else None,
        "transitions": transitions,
        "adjustments": adjustments,
        "totals": _totals(budgeted),
        "kinds": AccountKind.choices,
        "tab": "budget",
    }
    return render(request, "finance/budget_detail.html", context)


def _totals(rows: list[selectors.BudgetRow]) -> dict[str, dict[str, Decimal]]:
    """Totals per kind over top-level lines plus sub-items whose parent has no line (no double counting)."""
    with_line = {row.account.code for row in rows}
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        parent_code = row.account.code[:3] if row.account.parent_id else None
        if parent_code in with_line:
            continue
        kind = totals.setdefault(
            row.account.kind, {"previous": Decimal(0), "planned": Decimal(0), "available": Decimal(0)}
        )
        kind["previous"] += row.previous_actual or 0
        kind["planned"] += row.planned or 0
        kind["available"] += row.available or 0
    return totals


def _parse(value: str, label: str) -> Decimal | None:
    value = value.replace(",", "").strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise services.FinanceError(
            _("“%(account)s”：“%(value)s”不是有效的金额。") % {"account": label, "value": value}
        ) from None
    if not amount.is_finite():
        raise services.FinanceError(
            _("“%(account)s”：“%(value)s”不是有效的金额。") % {"account": label, "value": value}
        )
    return amount


@require_POST
def budget_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft's table: fields previous_<account pk> and planned_<account pk>; blank = no line."""
    budget = selectors.budget_get(request.user, pk)
    access.require(request.user, selectors.CHANGE, budget.org_unit)
    values: dict[int, services.LineValues] = {}
    try:
        for account in Account.objects.order_by("code"):
            previous_key, planned_key = f"previous_{account.pk}", f"planned_{account.pk}"
            if previous_key not in request.POST and planned_key not in request.POST:
                continue
            values[account.pk] = services.LineValues(
                _parse(request.POST.get(previous_key, ""), str(account)),
                _parse(request.POST.get(planned_key, ""), str(account)),
            )
        services.budget_save_lines(actor=request.user, budget_id=budget.pk, values=values)
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("预算已保存。"))
    return redirect("finance:budget_detail", pk=budget.pk)


@require_POST
def budget_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    budget = selectors.budget_get(request.user, pk)
    if action not in {t.action for t in workflow.TRANSITIONS}:
        raise Http404
    try:
        result = services.budget_perform(
            actor=request.user, budget_id=budget.pk, action=action, note=request.POST.get("note", "")[:500]
        )
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(done)s %(budget)s当前状态：%(status)s。")
            % {"done": result.message, "budget": result.obj, "status": result.obj.get_status_display()},
        )
    return redirect("finance:budget_detail", pk=pk)


@require_POST
def budget_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    budget = selectors.budget_get(request.user, pk)
    access.require(request.user, selectors.APPROVE, budget.org_unit)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("finance:budget_detail", pk=pk)
    try:
        services.budget_adjust(actor=request.user, budget_id=budget.pk, **form.cleaned_data)
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已记录预算调整。"))
    return redirect("finance:budget_detail", pk=pk)
