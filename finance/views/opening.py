"""上年结余: the treasurer records a unit's opening balance for a year, someone else confirms it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from members import access
from union_office.workflow import buttons as workflow_buttons
from union_office.workflow import earlier_actors_of

from .. import selectors, services
from ..forms import OpeningBalanceForm
from ..models import OpeningBalance, OpeningBalanceStatus
from .ledger import require_reader, require_writer

STATUS_BADGE = {OpeningBalanceStatus.RECORDED: "warning", OpeningBalanceStatus.CONFIRMED: "success"}


@require_GET
def opening_balance_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    balances = list(
        access.visible(
            request.user,
            selectors.VIEW,
            OpeningBalance.objects.select_related("org_unit", "recorded_by", "confirmed_by"),
        ).order_by("-year", "org_unit__path")[:200]
    )
    # Who recorded each (the recorder may not confirm): read for the whole page in one query.
    earlier = earlier_actors_of(services.OPENING_BALANCE, balances)
    rows = [
        (balance, workflow_buttons(services.OPENING_BALANCE, request.user, balance, earlier=earlier[str(balance.pk)]))
        for balance in balances
    ]
    may_record = access.has_anywhere(request.user, selectors.CHANGE)
    form = OpeningBalanceForm(units=selectors.ledger_units(request.user, selectors.CHANGE)) if may_record else None
    context = {"rows": rows, "form": form, "badges": STATUS_BADGE, "tab": "opening"}
    return render(request, "finance/opening_balances.html", context)


@require_POST
def opening_balance_record(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    form = OpeningBalanceForm(request.POST, units=selectors.ledger_units(request.user, selectors.CHANGE))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("finance:opening_balances")
    try:
        balance = services.opening_balance_record(
            actor=request.user,
            org_unit=form.cleaned_data["unit"],
            year=form.cleaned_data["year"],
            amount=form.cleaned_data["amount"],
        )
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已录入%(unit)s%(balance)s，待确认。") % {"unit": balance.org_unit, "balance": balance},
        )
    return redirect("finance:opening_balances")


@require_POST
def opening_balance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    balance = access.get_visible_or_404(
        request.user, selectors.VIEW, OpeningBalance.objects.select_related("org_unit"), pk=pk
    )
    try:
        result = services.opening_balance_confirm(actor=request.user, balance_id=balance.pk)
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, result.message)
    return redirect("finance:opening_balances")
