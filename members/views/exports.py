"""Roster exports: the filtered roster as .xlsx (queued to Celery when large), its status page and
download, and the printable PDF roster of one unit."""

from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from members import access, exports, selectors
from members.models import MemberStatus, RosterExport
from members.retention import EXPORT_RETENTION
from union_office.accounts.throttles import throttle_per_user
from union_office.audit import audit_export
from union_office.jobs import JobStatus
from union_office.pdf import render_pdf
from union_office.xlsx import XLSX_CONTENT_TYPE, xlsx_response

RECENT_EXPORTS = 20


def _own_export(request: HttpRequest, pk: int) -> RosterExport:
    # Exports hold personal data of a whole scope: only their creator sees them, anyone else gets 404.
    return get_object_or_404(RosterExport, pk=pk, created_by=request.user)


@require_GET
@never_cache
@throttle_per_user("THROTTLE_EXPORTS", group="export")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The roster list's rows (same query string) as .xlsx; `full=1` asks for full 身份证号."""
    if not access.has_anywhere(request.user, "members.view_member"):
        raise PermissionDenied(_("您的角色没有查看会员花名册的权限，不能导出。"))
    full_id_numbers = request.GET.get("full") == "1"
    try:
        member_filter = exports.roster_filter(user=request.user, params=request.GET, request=request)
        total = exports.export_queryset(
            user=request.user, queryset=member_filter.qs, full_id_numbers=full_id_numbers
        ).count()
        units = exports.roster_scope_units(user=request.user, member_filter=member_filter)
        unit_label = exports.roster_scope_label(user=request.user, units=units)
        if total <= exports.EXPORT_SYNC_LIMIT:
            data = exports.export_roster_xlsx(
                user=request.user,
                queryset=member_filter.qs,
                full_id_numbers=full_id_numbers,
                unit_label=unit_label,
                query=exports.filter_query(request.GET),
                signing_unit=units[0] if len(units) == 1 else None,
            )
            return xlsx_response(data, exports.roster_export_filename(unit_label))
        export = exports.roster_export_create(
            user=request.user,
            query=exports.filter_query(request.GET),
            full_id_numbers=full_id_numbers,
            total_rows=total,
        )
    except ValidationError as exc:
        return render(request, "members/exports/export_error.html", {"errors": exc.messages}, status=400)
    return redirect("members:export_detail", pk=export.pk)


@require_GET
@never_cache
def export_list(request: HttpRequest) -> HttpResponse:
    recent = list(RosterExport.objects.filter(created_by=request.user)[:RECENT_EXPORTS])
    summaries = exports.filter_summaries(recent)
    rows = [(export, summaries[export.pk]) for export in recent]
    return render(request, "members/exports/export_list.html", {"rows": rows})


@require_GET
@never_cache
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    context = {
        "export": export,
        "filter_summary": exports.filter_summaries([export])[export.pk],
        "expires_at": export.created_at + EXPORT_RETENTION,
    }
    return render(request, "members/exports/export_detail.html", context)


@require_GET
@never_cache
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial the status page polls while the export is queued or running."""
    export = _own_export(request, pk)
    context = {"export": export, "expires_at": export.created_at + EXPORT_RETENTION}
    return render(request, "members/exports/export_detail.html#progress", context)


@require_GET
@never_cache
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if export.status != JobStatus.DONE or not export.file:
        raise Http404(_("导出文件尚未生成。"))
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("导出文件已不存在，请重新导出。")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=PurePosixPath(export.file.name).name,
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
@throttle_per_user("THROTTLE_EXPORTS", group="export")
def unit_roster_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 会员花名册 of one unit and the units below it (在册 members unless ?status=)."""
    unit = selectors.unit_get(request.user, pk)
    status = request.GET.get("status", MemberStatus.ACTIVE)
    if status == "all":
        status = ""
    elif status not in MemberStatus.values:
        return render(request, "members/exports/export_error.html", {"errors": [_("会籍状态参数无效。")]}, status=400)
    try:
        context = exports.unit_roster_pdf_context(user=request.user, unit=unit, status=status)
    except ValidationError as exc:
        return render(request, "members/exports/export_error.html", {"errors": exc.messages}, status=400)
    pdf = render_pdf("members/exports/roster_pdf.html", context, request=request)
    audit_export(actor=request.user, action="member.export_roster_pdf", obj=unit, changes={"status": status})
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = _("%(unit)s会员花名册.pdf") % {"unit": unit.name}
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response
