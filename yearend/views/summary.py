"""Year-end pages: the summaries (draft, edit, submit, export), the statistics, the county's
overview with reminders, and the navbar's search. Objects come through yearend/selectors.py (404
outside the reader's scope); writes go through the services, which answer 403 for a reader."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members import access
from members.models import OrgUnit
from union_office.xlsx import xlsx_response

from .. import exports, oversight, selectors, services, stats, workflow
from .. import search as searching
from ..fields import fields_of, fill
from ..models import SummarySection
from ..statsxlsx import statistics_xlsx

TRANSITION_STYLE = {"submit": "primary", "finalize": "success", "send_back": "outline-danger"}


def _year(value: Any, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _messages_of(error: ValidationError) -> str:
    return "；".join(error.messages)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    units = list(selectors.drafting_units(request.user))
    if not units and not access.has_anywhere(request.user, workflow.VIEW):
        raise Http404
    this_year = timezone.localdate().year
    return render(
        request,
        "yearend/index.html",
        {
            "summaries": selectors.summary_list(request.user)[:100],
            "units": units,
            "years": range(this_year, this_year - 4, -1),
            "may_oversee": selectors.may_oversee(request.user),
            "may_compile": bool(units),
        },
    )


@require_POST
def draft(request: HttpRequest) -> HttpResponse:
    unit = access.get_visible_or_404(
        request.user, workflow.VIEW, OrgUnit.objects.all(), "", pk=request.POST.get("unit") or 0
    )
    try:
        summary = services.summary_draft(actor=request.user, org_unit=unit, year=request.POST.get("year"))
    except ValidationError as error:
        messages.error(request, _messages_of(error))
        return redirect("yearend:index")
    return redirect("yearend:summary", pk=summary.pk)


def _section_context(summary: Any, section: SummarySection, editable: bool, error: str = "") -> dict[str, Any]:
    return {
        "summary": summary,
        "section": section,
        "editable": editable,
        "filled": fill(section.text, section.key, section.figures or {}),
        "fields": list(fields_of(section.key)),
        "kind": section.key.split(":", 1)[0],
        "error": error,
    }


@never_cache
@require_GET
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.summary_get(request.user, pk)
    editable = summary.status in workflow.EDITABLE_STATUSES and access.can(
        request.user, workflow.EDIT, summary.org_unit
    )
    buttons = [
        (t, TRANSITION_STYLE.get(t.action, "secondary"))
        for t in workflow.available(summary.status)
        if access.can(request.user, t.permission, summary.org_unit)
    ]
    return render(
        request,
        "yearend/summary.html",
        {
            "summary": summary,
            "editable": editable,
            "sections": [_section_context(summary, s, editable) for s in selectors.summary_sections(summary)],
            "buttons": buttons,
        },
    )


@require_POST
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = SummarySection.objects.select_related("summary").filter(pk=pk).first()
    if section is None:
        raise Http404
    summary = selectors.summary_get(request.user, section.summary_id)
    access.require(request.user, workflow.EDIT, summary.org_unit)
    error = ""
    try:
        section = services.summary_section_edit(
            actor=request.user,
            section_id=pk,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            expected_revision=request.POST.get("revision"),
        )
    except ValidationError as exc:
        error = _messages_of(exc)
    summary.refresh_from_db()
    if request.htmx:
        if not error:
            section.refresh_from_db()
        context = _section_context(summary, section, True, error)
        response = render(request, "yearend/summary.html#section", context)
        # The page's other forms carry the revision too: tell them the new one.
        response["HX-Trigger"] = f'{{"summaryRevision": {summary.revision}}}'
        return response
    if error:
        messages.error(request, error)
    return redirect("yearend:summary", pk=summary.pk)


@require_POST
def redraft(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.summary_get(request.user, pk)
    try:
        services.summary_draft(actor=request.user, org_unit=summary.org_unit, year=summary.year)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("已重新提取数据：数字已更新，您写的文字保持不变。"))
    return redirect("yearend:summary", pk=pk)


@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    summary = selectors.summary_get(request.user, pk)
    try:
        services.summary_transition(actor=request.user, summary_id=summary.pk, action=action)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    return redirect("yearend:summary", pk=pk)


@require_GET
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.summary_get(request.user, pk)
    response = HttpResponse(exports.summary_pdf(summary), content_type="application/pdf")
    filename = exports.export_filename(summary, "pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response


@require_GET
def export_docx(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.summary_get(request.user, pk)
    response = HttpResponse(exports.summary_docx(summary), content_type=exports.DOCX_CONTENT_TYPE)
    filename = exports.export_filename(summary, "docx")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# Statistics ---------------------------------------------------------------------------------


def _statistics(request: HttpRequest) -> tuple[stats.YearStats | None, list[OrgUnit], int]:
    units = list(selectors.statistics_units(request.user))
    if not units:
        raise Http404
    year = _year(request.GET.get("year"), timezone.localdate().year)
    chosen = units[0]
    if request.GET.get("unit"):
        chosen = next((u for u in units if str(u.pk) == request.GET["unit"]), None)
        if chosen is None:
            raise Http404
    return stats.year_stats(chosen, year), units, year


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    result, units, year = _statistics(request)
    rows = []
    for unit_stats in result.units:
        links = stats.figure_links(unit_stats, year)
        cells = [
            {"key": f.key, "value": unit_stats.values[f.key], "url": links[f.key], "money": f.kind == "money"}
            for f in stats.FIGURES
        ]
        rows.append((unit_stats, cells))
    total_cells = [
        {"key": f.key, "value": result.total.values[f.key], "money": f.kind == "money"} for f in stats.FIGURES
    ]
    this_year = timezone.localdate().year
    return render(
        request,
        "yearend/statistics.html",
        {
            "result": result,
            "rows": rows,
            "total_cells": total_cells,
            # 经费 by class (401 … 508), summed over the rows: what the statistics' 经费 columns split.
            "account_rows": [(a.code, a.name, result.total.accounts.get(a.code, 0)) for a in result.accounts],
            "figures": stats.FIGURES,
            "units": units,
            "year": year,
            "years": range(this_year, this_year - 4, -1),
        },
    )


@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    result, _units, year = _statistics(request)
    filename = _("%(unit)s%(year)s年工会统计年报.xlsx") % {"unit": result.root.name, "year": year}
    return xlsx_response(statistics_xlsx(result), filename)


# The 上级's view ------------------------------------------------------------------------------


def _upper(request: HttpRequest, value: Any) -> OrgUnit:
    units = oversight.upper_units(request.user)
    if not units:
        raise Http404
    if value:
        unit = next((u for u in units if str(u.pk) == str(value)), None)
        if unit is None:
            raise Http404
        return unit
    return units[0]


@never_cache
@require_GET
def county(request: HttpRequest) -> HttpResponse:
    root = _upper(request, request.GET.get("unit"))
    year = _year(request.GET.get("year"), timezone.localdate().year)
    rows = oversight.union_rows(root, year)
    return render(
        request,
        "yearend/county.html",
        {
            "root": root,
            "year": year,
            "rows": rows,
            "missing": sum(1 for row in rows if row.missing),
            "uppers": oversight.upper_units(request.user),
        },
    )


@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    root = _upper(request, request.POST.get("unit"))
    year = _year(request.POST.get("year"), timezone.localdate().year)
    ids = [int(v) for v in request.POST.getlist("units") if v.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要提醒的单位。"))
    else:
        told = oversight.remind_missing(actor=request.user, root=root, year=year, unit_ids=ids)
        if told:
            messages.success(request, _("已向 %(count)s 位工会主席发送提醒。") % {"count": told})
        else:
            messages.warning(request, _("所选单位没有登记工会主席账号，或已报齐，未发送提醒。"))
    return redirect(f"{reverse('yearend:county')}?{urlencode({'unit': root.pk, 'year': year})}")


# Search -------------------------------------------------------------------------------------


@never_cache
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = searching.clean_query(request.GET.get("q"))
    groups = searching.search(request.user, query)
    return render(request, "yearend/search.html", {"query": query, "groups": groups})
