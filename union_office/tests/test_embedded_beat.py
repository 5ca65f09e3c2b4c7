"""The embedded beat: with no Celery beat, the reminder thread runs the due beat_schedule entries."""

import logging
import threading
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab

from union_office.beat import DISPATCH_TASK, load_scheduled_tasks, run_due_beat_entries
from union_office.celery import app as celery_app
from union_office.models import PeriodicRun

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


class Recorder:
    def __init__(self, fail: bool = False):
        self.calls = 0
        self.fail = fail

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.fail:
            raise RuntimeError("boom")
        return "done"


def test_a_daily_entry_runs_when_due_and_only_once():
    daily = Recorder()
    schedule = {"daily": {"task": "t.daily", "schedule": crontab(hour=6, minute=10)}}
    run = lambda now: run_due_beat_entries(now=now, beat_schedule=schedule, tasks={"t.daily": daily})  # noqa: E731

    assert run(at(1, 5, 0)) == ["daily"]  # never seen: runs at once
    assert run(at(1, 5, 1)) == []  # not due before 06:10
    assert run(at(1, 6, 9)) == []
    assert run(at(1, 6, 11)) == ["daily"]
    assert run(at(1, 6, 12)) == []  # once a day, not every tick
    assert run(at(2, 6, 9)) == []
    assert run(at(2, 6, 10)) == ["daily"]
    assert daily.calls == 3
    assert PeriodicRun.objects.get(name="daily").last_run_at == at(2, 6, 10)


def test_a_restart_neither_repeats_nor_skips():
    """The last run is a row, not process memory: a new thread reads it."""
    daily = Recorder()
    schedule = {"daily": {"task": "t.daily", "schedule": crontab(hour=6, minute=10)}}
    PeriodicRun.objects.create(name="daily", last_run_at=at(1, 6, 10))

    assert run_due_beat_entries(now=at(1, 9, 0), beat_schedule=schedule, tasks={"t.daily": daily}) == []
    # Down over the 06:10 of the 2nd: the first tick after it catches up.
    assert run_due_beat_entries(now=at(2, 8, 0), beat_schedule=schedule, tasks={"t.daily": daily}) == ["daily"]
    assert daily.calls == 1


def test_an_interval_entry_and_args():
    seen = []
    schedule = {"every": {"task": "t.every", "schedule": 300.0, "args": (1,), "kwargs": {"x": 2}}}
    tasks = {"t.every": lambda *args, **kwargs: seen.append((args, kwargs))}
    for minute in range(0, 11):
        run_due_beat_entries(now=at(1, 8, minute), beat_schedule=schedule, tasks=tasks)
    assert seen == [((1,), {"x": 2})] * 3  # 08:00, 08:05, 08:10


def test_a_failing_task_is_logged_and_the_next_entry_still_runs(caplog):
    failing, fine = Recorder(fail=True), Recorder()
    schedule = {
        "failing": {"task": "t.failing", "schedule": crontab(minute=5)},
        "missing": {"task": "t.not_registered", "schedule": crontab(minute=5)},
        "fine": {"task": "t.fine", "schedule": crontab(minute=5)},
    }
    tasks = {"t.failing": failing, "t.fine": fine}
    with caplog.at_level(logging.ERROR, logger="union_office.beat"):
        started = run_due_beat_entries(now=at(1, 8, 0), beat_schedule=schedule, tasks=tasks)
    assert started == ["failing", "missing", "fine"]
    assert failing.calls == 1 and fine.calls == 1
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == [
        "embedded beat: failing (t.failing) failed; it runs again when next due",
        "embedded beat: missing (t.not_registered) failed; it runs again when next due",
    ]
    assert "RuntimeError: boom" in caplog.text
    # Like Celery beat, a failed run waits for its next due time (the hourly 08:05), not the next tick.
    assert run_due_beat_entries(now=at(1, 8, 1), beat_schedule=schedule, tasks=tasks) == []
    assert run_due_beat_entries(now=at(1, 8, 6), beat_schedule=schedule, tasks=tasks) == ["failing", "missing", "fine"]


def test_a_due_entry_claimed_elsewhere_is_not_run_again(monkeypatch):
    """Two threads (gunicorn workers with REMINDERS_THREAD=true): the conditional update decides."""
    hourly = Recorder()
    schedule = {"hourly": {"task": "t.hourly", "schedule": crontab(minute=5)}}
    PeriodicRun.objects.create(name="hourly", last_run_at=at(1, 7, 5))
    real_filter = PeriodicRun.objects.filter

    def filter_then_someone_else_claims(*args, **kwargs):
        rows = real_filter(*args, **kwargs)
        if "last_run_at" in kwargs:  # the claim: the other thread moved the row just before
            PeriodicRun.objects.all().update(last_run_at=at(1, 8, 6))
        return rows

    monkeypatch.setattr(PeriodicRun.objects, "filter", filter_then_someone_else_claims)
    assert run_due_beat_entries(now=at(1, 8, 6), beat_schedule=schedule, tasks={"t.hourly": hourly}) == []
    assert hourly.calls == 0


def test_the_real_schedule_runs_every_job_but_the_dispatch():
    """Every entry of union_office/celery.py names a registered task, and all of them run here."""
    load_scheduled_tasks()
    schedule = celery_app.conf.beat_schedule
    assert {"membership-apply-due", "roster-retention-cleanup", "plans-reminders-topup"} <= set(schedule)
    for entry in schedule.values():
        assert entry["task"] in celery_app.tasks, entry["task"]
    ran = []
    tasks = {entry["task"]: (lambda name=name: ran.append(name)) for name, entry in schedule.items()}
    started = run_due_beat_entries(now=at(1, 8, 0), tasks=tasks)
    expected = [name for name, entry in schedule.items() if entry["task"] != DISPATCH_TASK]
    assert started == ran == expected
    assert "reminders-dispatch-due" not in started  # the thread dispatches on every tick itself


def test_the_real_jobs_run_on_an_empty_database():
    """The registered tasks themselves, called as the thread calls them: nothing due, no error."""
    load_scheduled_tasks()
    started = run_due_beat_entries(now=at(1, 8, 0))
    assert set(started) >= {"membership-apply-due", "roster-retention-cleanup", "plans-reminders-topup"}
    assert PeriodicRun.objects.count() == len(started)


def test_the_thread_dispatches_and_runs_the_beat_even_when_the_beat_fails(monkeypatch, settings):
    from union_office.notifications import dispatch, embedded

    calls = []
    monkeypatch.setattr(
        dispatch,
        "reminders_dispatch_due",
        lambda **kw: calls.append("dispatch") or SimpleNamespace(sent=1, skipped=0, retried=0, review=0),
    )

    def beat_fails():
        calls.append("beat")
        raise RuntimeError("beat boom")

    import union_office.beat as beat

    monkeypatch.setattr(beat, "run_due_beat_entries", beat_fails)
    # The test's own connection holds its transaction: the thread's connection handling is a no-op here.
    monkeypatch.setattr(embedded, "close_old_connections", lambda: None)
    monkeypatch.setattr(embedded, "connection", SimpleNamespace(close=lambda: None))
    stop = threading.Event()
    waits = []

    def wait(timeout):
        waits.append(timeout)
        return len(waits) == 2  # two ticks, then stop

    monkeypatch.setattr(stop, "wait", wait)
    logged = []
    monkeypatch.setattr(embedded.logger, "exception", lambda msg, *args: logged.append(msg % args))
    embedded._run_forever(stop)
    assert calls == ["dispatch", "beat", "dispatch", "beat"]
    assert waits == [settings.REMINDERS_DISPATCH_INTERVAL] * 2
    assert logged == [f"the embedded beat failed; retrying in {settings.REMINDERS_DISPATCH_INTERVAL} s"] * 2
