"""The ledger: list with filters, booking form, one entry with its reversal, closing months.

Who gets what: without `finance.view_ledger` anywhere, every finance page is 404 (the ledger is
not theirs to know about); the chair and 经审 read everything and get 403 on every write; only
the treasurer books, reverses and closes. Writes go through finance/services/.
"""

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access
from members.models import OrgUnit
from union_office.integers import parse_int

from .. import selectors, services
from ..forms import EntryFilter, EntryForm, MonthForm, ReverseForm, UnitYearForm
from ..models import AccountKind, LedgerEntry
from ..money import ZERO, MoneySum

PAGE_SIZE = 50


def require_reader(user: Any) -> None:
    """404 for anyone who may not read the books anywhere."""
    if not access.has_anywhere(user, selectors.VIEW):
        raise Http404


def require_writer(user: Any, perm: str = selectors.CHANGE) -> None:
    """404 for strangers to the books, 403 for readers who may not do this (the chair, 经审)."""
    require_reader(user)
    if not access.has_anywhere(user, perm):
        raise PermissionDenied(_("您的角色只能查看经费账目，不能进行此操作。"))


def ledger_years(user: Any) -> list[int]:
    """Years with entries in the user's scope, plus this year; newest first."""
    years = set(
        access.visible(user, selectors.VIEW, LedgerEntry.objects.order_by()).values_list("year", flat=True).distinct()
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def pick_unit_year(request: HttpRequest, units: Any, form_class: type = UnitYearForm, **extra: Any) -> Any:
    """The unit/year (and month) form of a page, filled from GET with sensible defaults."""
    years = ledger_years(request.user)
    first_unit = units.first()
    if first_unit is None:
        raise Http404
    data = {"unit": first_unit.pk, "year": timezone.localdate().year, **extra}
    data.update({key: value for key, value in request.GET.items() if key in ("unit", "year", "month")})
    form = form_class(data, units=units, years=years)
    if not form.is_valid():
        form = form_class({"unit": first_unit.pk, "year": timezone.localdate().year, **extra}, units=units, years=years)
        form.is_valid()
    return form


@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    """记账凭证 of the units the user may read, filtered, 50 a page, with the filtered totals."""
    require_reader(request.user)
    units = selectors.ledger_units(request.user)
    entries = selectors.visible_entries(request.user).order_by("-date", "-year", "-voucher_number")
    entry_filter = EntryFilter(request.GET or None, queryset=entries, units=units, years=ledger_years(request.user))
    filtered = entry_filter.qs
    totals = filtered.order_by().aggregate(
        income=MoneySum("signed_amount", filter=Q(account__kind=AccountKind.INCOME)),
        expense=MoneySum("signed_amount", filter=Q(account__kind=AccountKind.EXPENSE)),
    )
    totals["balance"] = totals["income"] - totals["expense"]
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": entry_filter,
        "page": page,
        "totals": totals,
        "may_book": access.has_anywhere(request.user, selectors.CHANGE),
        # One unit's books (the usual case): no unit column.
        "show_unit": units.count() > 1,
        "tab": "ledger",
    }
    return render(request, "finance/entry_list.html", context)


@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest) -> HttpResponse:
    """The treasurer's booking form; after booking it comes back empty for the next entry."""
    require_writer(request.user)
    units = selectors.ledger_units(request.user, selectors.CHANGE)
    if request.method == "POST":
        form = EntryForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            source_key = f"form:{data['token']}"
            try:
                entry = services.book_entry(
                    actor=request.user,
                    org_unit=data["org_unit"],
                    date=data["date"],
                    account=data["account"],
                    amount=data["amount"],
                    summary=data["summary"],
                    counterparty=data["counterparty"],
                    source_key=source_key,
                )
            except services.FinanceError as exc:
                already = LedgerEntry.objects.filter(org_unit=data["org_unit"], source_key=source_key).first()
                if already is not None:
                    # The same form posted twice (double click, reload): the first post booked it.
                    messages.info(
                        request, _("凭证 %(voucher)s 已记账，重复提交已忽略。") % {"voucher": already.voucher_label}
                    )
                    return redirect("finance:entry_detail", pk=already.pk)
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("已记账：凭证 %(voucher)s，%(account)s %(amount)s 元。")
                    % {"voucher": entry.voucher_label, "account": entry.account, "amount": f"{entry.amount:,.2f}"},
                )
                if entry.budget_warning:
                    messages.warning(request, entry.budget_warning)
                query = f"?unit={entry.org_unit_id}&date={entry.date.isoformat()}"
                return redirect(reverse("finance:entry_create") + query)
    else:
        initial: dict[str, Any] = {}
        if (unit := parse_int(request.GET.get("unit"))) is not None:
            initial["org_unit"] = unit
        with contextlib.suppress(ValueError):
            initial["date"] = dt.date.fromisoformat(request.GET.get("date", ""))
        form = EntryForm(units=units, initial=initial)
    recent = selectors.visible_entries(request.user).filter(booked_by=request.user).order_by("-booked_at")[:10]
    return render(request, "finance/entry_form.html", {"form": form, "recent": recent, "tab": "ledger"})


@require_GET
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(request.user, pk)
    may_reverse = (
        access.can(request.user, selectors.CHANGE, entry.org_unit)
        and not entry.is_reversal
        and not hasattr(entry, "reversed_by")
    )
    context = {
        "entry": entry,
        "may_reverse": may_reverse,
        "reverse_form": ReverseForm() if may_reverse else None,
        "tab": "ledger",
    }
    return render(request, "finance/entry_detail.html", context)


@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(request.user, pk)
    access.require(request.user, selectors.CHANGE, entry.org_unit)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("finance:entry_detail", pk=pk)
    try:
        reversal = services.reverse_entry(
            actor=request.user, entry_id=entry.pk, reason=form.cleaned_data["reason"], date=form.cleaned_data["date"]
        )
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finance:entry_detail", pk=pk)
    messages.success(
        request,
        _("已用红字凭证 %(voucher)s 冲销凭证 %(original)s。")
        % {"voucher": reversal.voucher_label, "original": entry.voucher_label},
    )
    return redirect("finance:entry_detail", pk=reversal.pk)


@require_GET
def month_list(request: HttpRequest) -> HttpResponse:
    """The twelve months of one unit's year: totals, closed or open, and the close buttons."""
    require_reader(request.user)
    form = pick_unit_year(request, selectors.ledger_units(request.user))
    unit: OrgUnit = form.cleaned_data["unit"]
    year: int = form.cleaned_data["year"]
    today = timezone.localdate()
    rows = selectors.month_rows(unit, year)
    context = {
        "form": form,
        "unit": unit,
        "year": year,
        "rows": rows,
        "today": today,
        "may_close": access.can(request.user, selectors.CHANGE, unit),
        "income_total": sum((row.income for row in rows), ZERO),
        "expense_total": sum((row.expense for row in rows), ZERO),
        "tab": "months",
    }
    return render(request, "finance/month_list.html", context)


@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    units = selectors.ledger_units(request.user)
    form = MonthForm(request.POST, units=units, years=list(range(2000, 2101)))
    if not form.is_valid():
        messages.error(request, _("请选择正确的单位、年度和月份。"))
        return redirect("finance:months")
    unit, year, month = form.cleaned_data["unit"], form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        services.close_month(actor=request.user, org_unit=unit, year=year, month=month)
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(unit)s%(year)s年%(month)s月已结账；该月及以前的凭证不能再增改。")
            % {"unit": unit, "year": year, "month": month},
        )
    return redirect(reverse("finance:months") + f"?unit={unit.pk}&year={year}")
