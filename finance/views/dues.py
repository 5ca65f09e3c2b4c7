"""会费: preview one month's dues of a unit, book the batch, read past batches."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members import access

from .. import selectors, services
from ..forms import MonthForm
from ..models import DuesBatch
from ..services import dues
from .ledger import pick_unit_year, require_reader, require_writer

MISSING_SHOWN = 20


@require_GET
def dues_index(request: HttpRequest) -> HttpResponse:
    """The chosen month's preview (members, wage bases, dues) and the unit's booked batches."""
    require_reader(request.user)
    today = timezone.localdate()
    form = pick_unit_year(request, selectors.ledger_units(request.user), MonthForm, month=today.month)
    unit, year, month = form.cleaned_data["unit"], form.cleaned_data["year"], form.cleaned_data["month"]
    batch = DuesBatch.objects.filter(org_unit=unit, year=year, month=month).select_related("entry").first()
    preview = None if batch else dues.dues_preview(unit, year, month)
    batches = Paginator(
        selectors.visible_dues_batches(request.user).filter(org_unit=unit).order_by("-year", "-month"), 24
    ).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "unit": unit,
        "year": year,
        "month": month,
        "batch": batch,
        "preview": preview,
        "missing": preview.missing[:MISSING_SHOWN] if preview else [],
        "may_book": access.can(request.user, selectors.CHANGE, unit),
        "batches": batches,
        "rate_percent": (dues.DUES_RATE * 100).normalize(),
        "tab": "dues",
    }
    return render(request, "finance/dues.html", context)


@require_POST
def dues_create(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    form = MonthForm(request.POST, units=selectors.ledger_units(request.user), years=list(range(2000, 2101)))
    if not form.is_valid():
        messages.error(request, _("请选择正确的单位、年度和月份。"))
        return redirect("finance:dues")
    unit, year, month = form.cleaned_data["unit"], form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        batch = dues.dues_batch_create(actor=request.user, org_unit=unit, year=year, month=month)
    except services.FinanceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已记账：%(batch)s，%(count)s人，合计 %(total)s 元（凭证 %(voucher)s）。")
            % {
                "batch": batch,
                "count": batch.member_count,
                "total": f"{batch.total:,.2f}",
                "voucher": batch.entry.voucher_label,
            },
        )
    return redirect(reverse("finance:dues") + f"?unit={unit.pk}&year={year}&month={month}")


@require_GET
@never_cache  # each member's wage base: personal pages are not kept in any cache (docs/architecture.md)
def dues_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access.get_visible_or_404(request.user, selectors.VIEW, selectors.visible_dues_batches(request.user), pk=pk)
    lines = batch.lines.select_related("member", "member__org_unit").order_by("member__org_unit__path", "member__name")
    return render(request, "finance/dues_detail.html", {"batch": batch, "lines": lines, "tab": "dues"})
