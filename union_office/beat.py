"""The embedded beat: Celery's beat_schedule run by the embedded dispatcher thread, with no Redis.

`make run` has no Celery beat, so the reminder thread (notifications/embedded.py) also runs, once a
minute, every other entry of `union_office.celery.app.conf.beat_schedule` that is due: the hourly
membership_apply_due, the nightly roster retention cleanup, the daily plan-reminder top-up, and
whatever an app adds there later. It knows the entries only by their task names, so the kernel
imports no domain app. The tasks run synchronously in the thread, one after the other.

Each entry's last start is a PeriodicRun row, so a restart neither repeats nor skips a daily job.
An entry never seen before runs at once (a development server is rarely up at 06:10, and every
scheduled task is idempotent), then by its schedule. The row is moved forward with a conditional
update before the task runs: two threads (gunicorn workers with REMINDERS_THREAD=true) never run
the same due entry twice, and a task that fails waits for its next due time, as under Celery beat.
"""

import copy
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from celery.schedules import maybe_schedule
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicRun

logger = logging.getLogger(__name__)

# The thread sends the due reminders on every tick itself; the beat entry doing it is skipped.
DISPATCH_TASK = "union_office.tasks.reminders_dispatch_task"


def _celery_app():
    from .celery import app

    return app


def load_scheduled_tasks() -> None:
    """Import every app's tasks.py, as a Celery worker does at start (the tasks register by name)."""
    _celery_app().loader.import_default_modules()


def _claim(name: str, entry: Mapping[str, Any], now: datetime) -> bool:
    """True if this entry is due at `now` and this caller won it (its row now says `now`)."""
    row = PeriodicRun.objects.filter(name=name).first()
    if row is None:
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=name, last_run_at=now)
        except IntegrityError:  # another thread created it first and runs it
            return False
        return True
    schedule = copy.copy(maybe_schedule(entry["schedule"], app=_celery_app()))
    schedule.nowfun = lambda: now
    due, _next_check = schedule.is_due(row.last_run_at)
    if not due:
        return False
    return PeriodicRun.objects.filter(pk=row.pk, last_run_at=row.last_run_at).update(last_run_at=now) == 1


def run_due_beat_entries(
    *,
    now: datetime | None = None,
    beat_schedule: Mapping[str, Mapping[str, Any]] | None = None,
    tasks: Mapping[str, Callable] | None = None,
) -> list[str]:
    """Run each due entry of the beat schedule once; returns the names of the entries started.

    A failing task (or a missing one) is logged and the next entry still runs.
    """
    now = now or timezone.now()
    beat_schedule = _celery_app().conf.beat_schedule if beat_schedule is None else beat_schedule
    tasks = _celery_app().tasks if tasks is None else tasks
    started = []
    for name, entry in beat_schedule.items():
        if entry["task"] == DISPATCH_TASK:
            continue
        try:
            if not _claim(name, entry, now):
                continue
        except Exception:
            logger.exception("embedded beat: could not check %s; trying again next minute", name)
            continue
        started.append(name)
        try:
            task = tasks[entry["task"]]
            result = task(*entry.get("args", ()), **entry.get("kwargs", {}))
        except Exception:
            logger.exception("embedded beat: %s (%s) failed; it runs again when next due", name, entry["task"])
        else:
            logger.info("embedded beat: ran %s (%s): %s", name, entry["task"], result)
    return started
