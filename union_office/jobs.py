"""Background jobs: the states of their rows (JobStatus), and sending one to Celery without letting
a dead broker break the request.

Every job the app queues (a large roster export, an import's check and commit, the 提案汇编 PDF) is
first a row in its own table, in a state that says it still has to run (排队中). The Celery
message only wakes a worker for it. So a message that cannot be sent (Redis down, or unreachable)
loses nothing: `send_on_commit` logs it, the row stays pending, the page says that the job will
start by itself once the background service is back, and each app's periodic sweep
(members.tasks.roster_jobs_requeue_task, congress.tasks.compilation_requeue_task, every minute
from beat) sends the message again for rows that waited too long. The same sweep picks up a row
whose worker died mid-run, or whose message the broker lost (docs/reliability.md).

Celery's own `delay_on_commit` raised kombu's OperationalError from the on_commit hook, after the
row was committed: the user got a 500 page for a job that had in fact been recorded.
"""

import contextvars
import datetime
import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from django.contrib import messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    """Where a background job's row stands; shared by every app's job tables (roster import and
    export, the 提案汇编 PDF)."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    PREVIEW = "preview", _("待确认")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# The jobs of this request that could not be sent; a fresh list per request (QueueNoticeMiddleware).
_unsent: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("union_office_unsent_jobs", default=None)

# A job still 排队中 this long after it was queued or last sent: its message never left or was lost.
RESEND_AFTER = datetime.timedelta(minutes=2)

DELAYED_MESSAGE = _("后台任务服务暂时联系不上：任务已经记下，服务恢复后会自动开始，无需重复提交。")


def send(task: Task, *args: Any) -> bool:
    """Send `task(*args)` to the broker now; False (logged) if the broker cannot be reached.

    Errors of the task itself still propagate where Celery runs it in-process (eager mode).
    """
    try:
        task.apply_async(args)
    except OperationalError as exc:
        logger.warning("queue: could not send %s%r, the row stays pending for the sweep: %s", task.name, args, exc)
        unsent = _unsent.get()
        if unsent is not None:
            unsent.append(task.name)
        return False
    return True


def send_on_commit(task: Task, *args: Any) -> None:
    """Send `task(*args)` once the current transaction commits (never for a rolled-back row)."""
    transaction.on_commit(lambda: send(task, *args))


def resend(jobs: QuerySet, task: Task, *, reset: dict[str, Any]) -> tuple[list[int], bool]:
    """The sweeps' loop: send `task(pk)` again for each row of `jobs` (rows waiting in vain), by id.

    Each row is first won by a conditional update on the `updated_at` and `status` it was read with,
    which writes `reset` (its status back to 排队中, its progress cleared, a new `updated_at`): two
    sweeps at once send a row once, and a row a worker claimed meanwhile is left alone. Stops at the
    first message the broker refuses (the next sweep tries again). Returns the ids sent and whether
    the broker took every message.
    """
    sent = []
    for pk, stamp, status in jobs.values_list("pk", "updated_at", "status").order_by("pk"):
        won = jobs.model.objects.filter(pk=pk, updated_at=stamp, status=status).update(**reset)
        if won != 1:
            continue
        if not send(task, pk):
            return sent, False
        sent.append(pk)
    return sent, True


class QueueNoticeMiddleware:
    """Tells the user when a job of their request could not be sent (it runs later by itself).

    After MessageMiddleware: the message is stored with the response and shown on the next page,
    which for every job is the page the view redirects to (the job's progress page).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        unsent: list[str] = []
        token = _unsent.set(unsent)
        try:
            response = self.get_response(request)
        finally:
            _unsent.reset(token)
        if unsent:
            messages.warning(request, DELAYED_MESSAGE)
        return response
