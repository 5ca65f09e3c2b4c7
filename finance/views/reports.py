"""Reports (经费收支表, 预算执行情况表, 明细账, 帮扶资金使用情况) as pages, .xlsx and PDF, and the raw
ledger's export and import for the 经审 review.

Reads need `finance.view_ledger` (chair, treasurer, 经审): anyone else gets 404, as on every finance
page. Only the import writes; a reader without `finance.change_ledger` gets 403 there.
"""

import base64
import tempfile
from itertools import islice
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from union_office.audit import audit_export
from union_office.pdf import render_pdf
from union_office.xlsx import XLSX_CONTENT_TYPE

from .. import reports, resources, selectors
from ..forms import UnitYearForm
from ..reports.forms import ReportForm
from .ledger import pick_unit_year, require_reader, require_writer

# The page shows this many rows of a 明细账; the .xlsx has them all.
PAGE_ROWS = 1_000
# A PDF of more entries than this is refused (a year's 明细账 of a large union is thousands of
# pages): the period is shortened, or the .xlsx is printed.
PDF_MAX_ENTRIES = 3_000
IMPORT_SALT = "finance.ledger-import"
IMPORT_MAX_AGE = 3600


def _spec(key: str) -> reports.ReportSpec:
    spec = reports.REPORTS.get(key)
    if spec is None:
        raise Http404
    return spec


def _report_form(request: HttpRequest, spec: reports.ReportSpec) -> ReportForm:
    require_reader(request.user)
    units = selectors.ledger_units(request.user)
    first = units.first()
    if first is None:
        raise Http404
    data = ReportForm.defaults(first)
    data.update({key: value for key, value in request.GET.items() if key in data})
    years = set(selectors.ledger_years(request.user))
    if "year" in spec.fields:
        years |= set(selectors.visible_budgets(request.user).order_by().values_list("year", flat=True).distinct())
    return ReportForm(data, spec=spec, units=units, years=sorted(years, reverse=True))


def _header(columns: list[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The table head: first row cells (title, colspan, rowspan) and the grouped columns' own titles."""
    two_level = any(column.group for column in columns)
    top: list[dict[str, Any]] = []
    second = []
    for column in columns:
        if column.group and top and top[-1]["group"] == column.group:
            top[-1]["colspan"] += 1
        else:
            top.append(
                {
                    "title": column.group or column.title,
                    "group": column.group,
                    "colspan": 1,
                    "rowspan": 1 if column.group or not two_level else 2,
                    "kind": "text" if column.group else column.kind,
                }
            )
        if column.group:
            second.append(column)
    return top, second


def _cell(value: Any, kind: str) -> tuple[str, str]:
    """(text, css class) of one value in the page and the PDF."""
    if value is None or value == "":
        return "", ""
    if kind == "money":
        return f"{value:,.2f}", "num neg" if value < 0 else "num"
    if kind == "int":
        return f"{value:,}", "num neg" if value < 0 else "num"
    if kind == "percent":
        return f"{value * 100:,.2f}%", "num"
    if kind == "date":
        return value.isoformat(), "date"
    return str(value), ""


def _display_rows(report: reports.Report, limit: int | None = None) -> tuple[list[dict[str, Any]], bool]:
    kinds = [column.kind for column in report.columns]
    rows = []
    source = iter(report.rows)
    try:
        for row in islice(source, limit) if limit else source:
            cells = [_cell(value, kind) for value, kind in zip(row.values, kinds, strict=True)]
            rows.append({"cells": cells, "kind": row.kind, "level": row.level})
        truncated = bool(limit) and next(source, None) is not None
    finally:
        # A 明细账 cut at the limit leaves its server-side cursor open; close it now, inside this
        # request's transaction, not whenever the generator is collected (then the cursor is gone
        # and the CLOSE aborts whatever transaction is running at that moment).
        close = getattr(source, "close", None)
        if close is not None:
            close()
    return rows, truncated


def _totals(report: reports.Report) -> list[tuple[str, str]] | None:
    if report.totals is None:
        return None
    totals = list(report.totals)
    labels = [i for i, column in enumerate(report.columns) if column.kind == "text"]
    if labels and totals[labels[0]] is None:
        totals[labels[0]] = _("合计")
    return [_cell(value, column.kind) for value, column in zip(totals, report.columns, strict=True)]


def _context(report: reports.Report, rows: list[dict[str, Any]]) -> dict[str, Any]:
    top, second = _header(report.columns)
    return {"report": report, "head_top": top, "head_second": second, "rows": rows, "totals": _totals(report)}


@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    context = {
        "specs": list(reports.REPORTS.values()),
        "export_form": pick_unit_year(request, selectors.ledger_units(request.user), UnitYearForm),
        "may_import": selectors.ledger_units(request.user, selectors.CHANGE).exists(),
        "tab": "reports",
    }
    return render(request, "finance/reports/index.html", context)


@require_GET
def report_detail(request: HttpRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    form = _report_form(request, spec)
    context: dict[str, Any] = {"spec": spec, "form": form, "specs": list(reports.REPORTS.values()), "tab": "reports"}
    if form.is_valid():
        report = spec.build(form.params())
        rows, truncated = _display_rows(report, PAGE_ROWS)
        context |= _context(report, rows) | {"truncated": truncated, "query": request.GET.urlencode()}
    return render(request, "finance/reports/report.html", context)


def _invalid(request: HttpRequest, form: ReportForm) -> HttpResponse:
    errors = [message for messages_ in form.errors.values() for message in messages_]
    return render(request, "finance/reports/error.html", {"errors": errors, "tab": "reports"}, status=400)


def _audit_report(request: HttpRequest, action: str, report: Any) -> None:
    audit_export(
        actor=request.user,
        action=action,
        unit=report.unit,
        changes={"report": str(report.title), "period": str(report.period)},
    )


@require_GET
@never_cache
def report_xlsx(request: HttpRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    form = _report_form(request, spec)
    if not form.is_valid():
        return _invalid(request, form)
    report = spec.build(form.params())
    _audit_report(request, "finance.report.export_xlsx", report)
    # Into a temporary file, streamed out by FileResponse: a 明细账 of 100,000 entries never sits
    # in memory as bytes (bench/finance_reports.py measures the peak).
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    report.write_xlsx_into(handle)
    handle.seek(0)
    response = FileResponse(
        handle, as_attachment=True, filename=f"{report.filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
def report_pdf(request: HttpRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    form = _report_form(request, spec)
    if not form.is_valid():
        return _invalid(request, form)
    report = spec.build(form.params())
    if report.entry_count is not None and report.entry_count > PDF_MAX_ENTRIES:
        message = _("本期有 %(count)s 笔凭证，超过 PDF 的上限 %(max)s 笔：请缩短期间，或导出 Excel 后打印。") % {
            "count": f"{report.entry_count:,}",
            "max": f"{PDF_MAX_ENTRIES:,}",
        }
        return render(request, "finance/reports/error.html", {"errors": [message], "tab": "reports"}, status=400)
    rows, _truncated = _display_rows(report)
    context = _context(report, rows) | {
        "printed_on": timezone.localdate(),
        "printed_by": request.user.get_full_name() or request.user.get_username(),
    }
    pdf = render_pdf("finance/reports/report_pdf.html", context, request=request)
    _audit_report(request, "finance.report.export_pdf", report)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=f"{report.filename}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- The raw ledger for the 经审 review -----------------------------------------------------------


@require_GET
@never_cache
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Every entry of a unit's year as rows (django-import-export), for the auditor's own checks."""
    require_reader(request.user)
    form = pick_unit_year(request, selectors.ledger_units(request.user), UnitYearForm)
    unit, year = form.cleaned_data["unit"], form.cleaned_data["year"]
    entries = selectors.visible_entries(request.user).filter(org_unit=unit, year=year)
    data = resources.export_entries(entries)
    audit_export(actor=request.user, action="finance.ledger.export", unit=unit, changes={"year": year})
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    filename = _("%(unit)s%(year)s年记账凭证.xlsx") % {"unit": unit.name, "year": year}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _import_units(request: HttpRequest) -> Any:
    require_writer(request.user)
    return selectors.ledger_units(request.user, selectors.CHANGE)


@require_http_methods(["GET", "POST"])
@never_cache
def ledger_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every row booked and rolled back) → confirm: all rows booked, or none."""
    units = _import_units(request)
    context: dict[str, Any] = {"units": units, "tab": "reports", "max_rows": resources.MAX_IMPORT_ROWS}
    if request.method == "GET":
        return render(request, "finance/reports/import.html", context)
    unit_id = request.POST.get("unit", "")
    unit = units.filter(pk=unit_id).first() if unit_id.isdecimal() else None  # "abc" would be a ValueError
    if unit is None:
        context["errors"] = [_("请选择记账单位。")]
        return render(request, "finance/reports/import.html", context, status=400)
    context["unit"] = unit
    commit = request.POST.get("step") == "commit"
    try:
        data = _import_file(request, unit, commit)
        outcome = resources.ledger_import(actor=request.user, org_unit=unit, data=data, commit=commit)
    except resources.ImportFileError as exc:
        context["errors"] = exc.messages
        return render(request, "finance/reports/import.html", context, status=400)
    if outcome.committed:
        messages.success(
            request,
            _("已导入 %(count)s 笔凭证（%(first)s 至 %(last)s），合计 %(total)s 元。")
            % {
                "count": len(outcome.booked),
                "first": outcome.booked[0].voucher_label,
                "last": outcome.booked[-1].voucher_label,
                "total": f"{outcome.total:,.2f}",
            },
        )
        return redirect(f"{reverse('finance:index')}?org_unit={unit.pk}&year={outcome.booked[0].year}")
    context["outcome"] = outcome
    if not outcome.errors:
        context["payload"] = signing.dumps(
            {"user": request.user.pk, "unit": unit.pk, "file": base64.b64encode(data).decode()},
            salt=IMPORT_SALT,
            compress=True,
        )
    return render(request, "finance/reports/import.html", context, status=400 if outcome.errors else 200)


def _import_file(request: HttpRequest, unit: Any, commit: bool) -> bytes:
    """The uploaded file (preview) or the file the preview checked, carried signed in the form (commit)."""
    if not commit:
        upload = request.FILES.get("file")
        if upload is None:
            raise resources.ImportFileError(_("请选择要导入的 Excel 文件。"))
        if upload.size > resources.MAX_IMPORT_BYTES:
            raise resources.ImportFileError(_("文件超过 2 MB，请分批导入。"))
        if str(upload.name).lower().endswith(".csv"):
            # Workbooks only (dates and amounts keep their types); a CSV, UTF-8 or GBK, is told how to convert.
            raise resources.ImportFileError(
                _("只能导入 Excel（.xlsx）文件。CSV（UTF-8 或 GBK 编码）请先用 Excel 打开，另存为 .xlsx 后再导入。")
            )
        return upload.read()
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        raise resources.ImportFileError(_("预览已过期，请重新上传文件。")) from None
    if payload.get("user") != request.user.pk or payload.get("unit") != unit.pk:
        raise resources.ImportFileError(_("预览已过期，请重新上传文件。"))
    return base64.b64decode(payload["file"])
