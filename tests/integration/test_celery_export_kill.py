"""A real Celery worker killed in the middle of a roster export: the export still completes, once,
with exactly one file (issue 9 item 4, "worker killed mid-task").

Same stack as test_celery_reminders.py (its fixtures: the PostgreSQL database `…_celery_it`, Redis
database 14, the driver subprocess). The worker runs tests/integration/slow_export.py's app, which
writes each row slowly, so the kill lands while rows are being written. The killed task's message
stays unacknowledged in Redis (acks_late) until the broker's visibility timeout, an hour; what
brings the export back sooner is beat's roster-jobs-requeue sweep, run here by the driver every
second instead of every minute: once the row has been untouched for the task time limit (3 s here,
30 minutes in production) its worker is certainly dead, and the sweep queues the export again.
"""

import json
import signal
import subprocess
import time
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook

from .test_celery_reminders import (  # noqa: F401  (fixtures)
    CELERY,
    ROOT,
    _driver,
    _stop,
    broker,
    one_run_at_a_time,
    stack_env,
)

ROWS = 100


def _worker(env, *, row_delay: float):
    env = {**env, "IT_EXPORT_ROW_DELAY": str(row_delay)}
    log = open(Path(env["IT_FOLDER"]) / "export-worker.log", "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [
            CELERY,
            "-A",
            "tests.integration.slow_export",
            "worker",
            "--pool=solo",
            "-Q",
            "default,bulk",
            "--loglevel=INFO",
        ]
        + ["-n", f"itx-{time.time_ns()}@%h"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    return process


def _export(env) -> dict:
    """The export's row, read straight from PostgreSQL (a driver process per poll costs seconds),
    and the files under MEDIA_ROOT/exports."""
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute(
            "SELECT e.id, e.status, e.processed_rows, e.total_rows, e.file,"
            " extract(epoch FROM now() - e.updated_at)"
            " FROM members_rosterexport e JOIN auth_user u ON u.id = e.created_by_id"
            " WHERE u.username LIKE 'itx-%%'"
        ).fetchone()
    media = Path(env["DJANGO_MEDIA_ROOT"])
    files = sorted(str(p.relative_to(media)) for p in (media / "exports").rglob("*") if p.is_file())
    keys = ("id", "status", "processed_rows", "total_rows", "file", "idle_seconds")
    return dict(zip(keys, row, strict=True)) | {"files": files}


def _until(predicate, *, timeout: float, what: str, env):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    log = (Path(env["IT_FOLDER"]) / "export-worker.log").read_text(errors="replace")[-4000:]
    pytest.fail(f"timed out waiting for {what}; export {_export(env)}\n{log}")


def test_a_killed_export_worker_loses_no_export_and_leaves_one_file(stack_env):  # noqa: F811
    media = Path(stack_env["IT_FOLDER"]) / "media"
    env = {
        **stack_env,
        "DJANGO_MEDIA_ROOT": str(media),
        "CELERY_TASK_TIME_LIMIT": "3",
    }
    # Slow enough that the kill lands mid-export even on a loaded machine (each poll starts a
    # driver process); the second worker writes at full speed.
    worker = _worker(env, row_delay=0.15)
    try:
        _driver(env, "export", str(ROWS))
        _until(
            lambda: (e := _export(env))["status"] == "running" and e["processed_rows"] >= 20,
            timeout=120,
            what="the export to be half-way",
            env=env,
        )
        _stop(worker, signal.SIGKILL)
        killed = _export(env)
        assert killed["status"] == "running" and killed["processed_rows"] < ROWS, "finished before the kill"
        assert killed["files"] == []  # rows go to an unnamed temporary file first: nothing half-written is left

        worker = _worker(env, row_delay=0)
        # Beat's sweep (every minute in production) once the row has been idle for the time limit.
        _until(lambda: _export(env)["idle_seconds"] > 3.5, timeout=30, what="the dead run to go stale", env=env)
        sent = json.loads(_driver(env, "sweep"))["exports"]
        _until(lambda: _export(env)["status"] == "done", timeout=120, what="the export to finish", env=env)
        done = _export(env)
    finally:
        _stop(worker)

    print(f"killed after {killed['processed_rows']} of {ROWS} rows; sent again {sent}")
    assert sent == [done["id"]]  # queued again exactly once
    assert done["processed_rows"] == done["total_rows"] == ROWS
    assert done["files"] == [done["file"]]  # exactly one file: the finished one
    sheet = load_workbook(BytesIO((media / done["file"]).read_bytes()), read_only=True).active
    numbers = [row[0] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert numbers == list(range(1, ROWS + 1))
