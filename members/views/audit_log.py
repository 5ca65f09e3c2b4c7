"""审计日志: the auditor's and the chair's page over the audit entries of their units, and its .xlsx.

Whoever lacks `audit.view_log` everywhere, or names a unit outside their scope, gets 404: the page
does not confirm that a unit or its log exists (docs/access.md).
"""

import tempfile
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from members import access
from members.audit_log import (
    EXPORT_MAX_ROWS,
    VIEW_LOG,
    AuditLogFilter,
    audit_entries_visible,
    audit_log_xlsx_into,
)
from members.models import OrgUnit
from union_office.accounts.throttles import throttle_per_user
from union_office.audit import audit_export
from union_office.integers import parse_int
from union_office.xlsx import XLSX_CONTENT_TYPE

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> tuple[AuditLogFilter, OrgUnit | None, Any]:
    """The filter form, the unit asked for (404 if outside the scope) and the entries it selects."""
    if not access.has_anywhere(request.user, VIEW_LOG):
        raise Http404
    entries = audit_entries_visible(request.user)
    unit = None
    if request.GET.get("unit"):
        unit_pk = parse_int(request.GET["unit"])
        unit = access.units(request.user, VIEW_LOG).filter(pk=unit_pk).first() if unit_pk is not None else None
        if unit is None:
            raise Http404
        entries = entries.filter(org_unit_pk__in=OrgUnit.objects.filter(path__startswith=unit.path).values("pk"))
    log_filter = AuditLogFilter(request.GET, queryset=entries)
    # A filter that does not read (a date that is no date) selects nothing, and says why.
    return log_filter, unit, log_filter.qs if log_filter.is_valid() else entries.none()


@require_GET
@never_cache
def audit_log(request: HttpRequest) -> HttpResponse:
    log_filter, unit, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(parse_int(request.GET.get("page"), minimum=1))
    units = access.units(request.user, VIEW_LOG).order_by("path").values_list("pk", "name", "depth")
    context = {
        "filter": log_filter,
        "page": page,
        "unit": unit,
        "units": [(pk, "\u3000" * depth + name) for pk, name, depth in units],
    }
    return render(request, "members/audit_log.html", context)


@require_GET
@never_cache
@throttle_per_user("THROTTLE_EXPORTS", group="export")
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as .xlsx; the export itself is an audit entry (`audit.export`)."""
    log_filter, unit, entries = _filtered(request)
    if not log_filter.is_valid():
        errors = [message for messages in log_filter.errors.values() for message in messages]
        return render(
            request, "members/exports/export_error.html", {"errors": errors, "back_to_audit_log": True}, status=400
        )
    total = entries.count()
    if total > EXPORT_MAX_ROWS:
        message = _("符合条件的记录有 %(total)s 条，超过一次导出的上限 %(max)s 条：请缩小日期范围或加上条件。") % {
            "total": f"{total:,}",
            "max": f"{EXPORT_MAX_ROWS:,}",
        }
        return render(
            request, "members/exports/export_error.html", {"errors": [message], "back_to_audit_log": True}, status=400
        )
    query = request.GET.urlencode()
    # Into a temporary file streamed by FileResponse, like the fund reports: many rows never sit in memory.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    audit_log_xlsx_into(handle, entries=entries, query=query)
    handle.seek(0)
    unit_pk = unit.pk if unit is not None else access.scope_root_pk(request.user, VIEW_LOG)
    with transaction.atomic():
        audit_export(
            actor=request.user, action="audit.export", unit_pk=unit_pk, changes={"rows": total, "filter": query}
        )
    filename = _("审计日志-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
