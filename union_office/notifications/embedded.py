"""The embedded dispatcher: reminders are delivered with no Redis and no Celery worker.

`make run` starts only `runserver` on SQLite, where Celery runs eagerly and beat does not run.
So the web process itself runs the dispatcher every REMINDERS_DISPATCH_INTERVAL seconds in one
daemon thread. It is started from wsgi.py, which runserver loads only in the process that serves
(not in the autoreloader's parent, not in management commands, not in tests); settings decide
whether it runs under gunicorn too (REMINDERS_THREAD, docs/settings.md). Two of them at once (two
gunicorn workers) are as safe as two Celery runs: the rows are claimed, not the schedule.

Since there is no Celery beat either, the same thread is the beat: after each dispatch it runs the
other due entries of the beat schedule (union_office/beat.py), each in its own try, so a failing
job neither stops the others nor the reminders.
"""

import logging
import sys
import threading

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

_started = threading.Event()
_start_lock = threading.Lock()


def embedded_dispatcher_wanted(argv: list[str] | None = None) -> bool:
    argv = sys.argv if argv is None else argv
    mode = settings.REMINDERS_THREAD
    if mode == "false":
        return False
    if mode == "true":
        return True
    # auto: the development server with no broker, i.e. nothing else would ever send a reminder.
    return not settings.REDIS_URL and len(argv) > 1 and argv[1] == "runserver"


def _run_forever(stop: threading.Event) -> None:
    from ..beat import load_scheduled_tasks, run_due_beat_entries
    from .dispatch import reminders_dispatch_due

    interval = settings.REMINDERS_DISPATCH_INTERVAL
    try:
        load_scheduled_tasks()
    except Exception:  # an app whose tasks.py fails to import: its entries are logged as failing
        logger.exception("the embedded beat could not import every app's tasks")
    while True:
        try:
            close_old_connections()
            result = reminders_dispatch_due(time_budget=interval)
            if result.sent or result.skipped or result.retried or result.review:
                logger.info("reminders dispatched: %s", result)
        except Exception:  # a database hiccup must not end the thread: the next tick retries
            logger.exception("the embedded reminder dispatcher failed; retrying in %s s", interval)
        try:
            close_old_connections()
            run_due_beat_entries()
        except Exception:
            logger.exception("the embedded beat failed; retrying in %s s", interval)
        finally:
            connection.close()
        if stop.wait(interval):
            return


def start_embedded_dispatcher(argv: list[str] | None = None) -> threading.Event | None:
    """Start the thread once per process if the settings want it; returns its stop event."""
    if not embedded_dispatcher_wanted(argv):
        return None
    with _start_lock:
        if _started.is_set():
            return None
        _started.set()
        stop = threading.Event()
        thread = threading.Thread(target=_run_forever, args=(stop,), name="reminders-dispatcher", daemon=True)
        thread.start()
    logger.info("embedded reminder dispatcher and beat started (every %s s)", settings.REMINDERS_DISPATCH_INTERVAL)
    return stop
