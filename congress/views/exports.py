"""Downloads and statistics of a session: 提案汇编 PDF (a background job with its progress page),
提案办理情况一览表 Excel, charts."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from union_office.jobs import JobStatus
from union_office.xlsx import xlsx_response

from .. import exports, selectors, services
from ..models import CompilationExport
from .sessions import session_context

# Measured: about 0.1 s per motion on the 2-core test machine (docs/congress.md).
SECONDS_PER_MOTION = 0.1


@require_POST
def compilation_request(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    job = services.compilation_request(actor=request.user, session=session)
    return redirect("congress:compilation_detail", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> CompilationExport:
    job = get_object_or_404(CompilationExport.objects.select_related("session"), pk=pk)
    selectors.session_get(request.user, job.session_id)  # 404 outside the unit
    return job


def _job_context(job: CompilationExport) -> dict:
    elapsed = (timezone.now() - job.started_at).total_seconds() if job.started_at else 0
    estimate = max(3, round(job.motions * SECONDS_PER_MOTION) + 2)
    return {"job": job, "elapsed": round(elapsed), "estimate": estimate}


@require_GET
@never_cache
def compilation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = session_context(request, job.session, "stats") | _job_context(job)
    template = (
        "congress/compilation.html#progress" if request.headers.get("HX-Request") else "congress/compilation.html"
    )
    return render(request, template, context)


@require_GET
@never_cache
def compilation_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=f"{job.session.title}提案汇编.pdf", content_type="application/pdf"
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
    context = session_context(request, session, "stats") | {
        "stats": stats,
        "chart_data": stats.chart_data(),
        "last_compilation": CompilationExport.objects.filter(session=session, status=JobStatus.DONE).first(),
    }
    return render(request, "congress/statistics.html", context)
