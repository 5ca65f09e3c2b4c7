"""Downloads and statistics of a session: 提案汇编 PDF, 提案办理情况一览表 Excel, charts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from union_office.xlsx import xlsx_response

from .. import exports, selectors
from .sessions import session_context


@require_GET
def compilation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    response = HttpResponse(exports.compilation_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{session.title}提案汇编.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def handling_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    return xlsx_response(exports.handling_xlsx(session), f"{session.title}提案办理情况一览表.xlsx")


@require_GET
def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    stats = exports.statistics(session)
    context = session_context(request, session, "stats") | {"stats": stats, "chart_data": stats.chart_data()}
    return render(request, "congress/statistics.html", context)
