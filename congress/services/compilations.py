"""The 提案汇编 PDF as a background job: requested in the browser, written by Celery."""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from union_office import jobs
from union_office.jobs import JobStatus

from .. import workflow
from ..models import CompilationExport, CongressSession, Motion, MotionReply

logger = logging.getLogger(__name__)
STALE_AFTER = datetime.timedelta(minutes=10)
# A queued job that no worker has started after this long is sent to Celery again (compilation_requeue).


def _last_change(session: CongressSession) -> Any:
    motions = Motion.objects.filter(session=session).aggregate(at=Max("updated_at"))["at"]
    replies = MotionReply.objects.filter(motion__session=session).aggregate(at=Max("updated_at"))["at"]
    return max((at for at in (motions, replies) if at is not None), default=None)


def compilation_request(*, actor: Any, session: CongressSession) -> CompilationExport:
    """A job for the session's 提案汇编: the last one if nothing changed since it was written (or it
    is still being written), else a new one queued for Celery once this transaction commits."""
    from ..tasks import compilation_task

    # A job still queued after STALE_AFTER lost its worker (a restart before it was picked up):
    # it is passed over, and a new one is queued.
    stale = Q(status=JobStatus.QUEUED, created_at__lt=timezone.now() - STALE_AFTER)
    last = (
        CompilationExport.objects.filter(session=session)
        .exclude(Q(status=JobStatus.FAILED) | stale)
        .order_by("-created_at", "-pk")
        .first()
    )
    changed = _last_change(session)
    if last is not None and (changed is None or last.created_at >= changed):
        return last
    with transaction.atomic():
        job = CompilationExport.objects.create(
            session=session,
            created_by=actor,
            motions=Motion.objects.filter(session=session, status__in=workflow.REGISTERED).count(),
        )
        jobs.send_on_commit(compilation_task, job.pk)
    return job


def compilation_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """The sweep (beat, every minute): send again the jobs that wait for a worker in vain.

    QUEUED and untouched for RESEND_AFTER: its message was never sent or was lost; it is sent again.
    RUNNING since longer than the task time limit: its worker died (a live task cannot run that
    long); back to QUEUED and sent again. Before this a dead job stayed 生成中 for good and, while the
    motions did not change, every new request for the PDF was answered with that job. Each row is
    won by a conditional update; an extra message does nothing (compilation_run claims QUEUED).
    """
    from ..tasks import compilation_task

    now = now or timezone.now()
    dead_before = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    waiting = CompilationExport.objects.filter(
        Q(status=JobStatus.QUEUED, updated_at__lt=now - jobs.RESEND_AFTER)
        | Q(status=JobStatus.RUNNING, started_at__lt=dead_before)
    )
    reset = {"status": JobStatus.QUEUED, "started_at": None, "updated_at": now}
    sent, _reachable = jobs.resend(waiting, compilation_task, reset=reset)
    if sent:
        logger.warning("congress compilations sent again (lost message or dead worker): %s", sent)
    return sent


def compilation_run(*, job_id: int) -> None:
    """Write a queued job's PDF (the Celery task's body); a second run of the same job does nothing."""
    from ..exports import compilation_pdf

    claimed = CompilationExport.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        return
    job = CompilationExport.objects.select_related("session__org_unit").get(pk=job_id)
    rows = CompilationExport.objects.filter(pk=job_id)
    try:
        pdf = compilation_pdf(job.session)
        name = f"{job.session.title}提案汇编.pdf"
        job.file.save(name, ContentFile(pdf, name=name), save=False)
        rows.update(status=JobStatus.DONE, file=job.file.name, finished_at=timezone.now(), updated_at=timezone.now())
    except Exception:
        logger.exception("congress compilation %s failed", job_id)
        rows.update(
            status=JobStatus.FAILED,
            message=_("生成失败，请稍后重试；如果仍然失败，请联系系统管理员。"),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
