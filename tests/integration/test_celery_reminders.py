"""A real Celery worker and beat on the local Redis deliver reminders exactly once (issue 6).

Runs against PostgreSQL whatever the test run's own database is: a dedicated database
(`<DATABASE_URL's name>_celery_it`, or `union_celery_it` at 127.0.0.1), migrated here, shared by
the worker, beat and a driver subprocess. Redis uses its own database number (14) and is emptied
first. On a machine without PostgreSQL or Redis the test is skipped with the reason; where CI is
set or DATABASE_URL names PostgreSQL, their absence is a failure, never a skip.
"""

import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from union_office.notifications.dispatch import EMAIL_ATTEMPT_GROUP

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _database_url() -> str:
    if os.environ.get("CELERY_IT_DATABASE_URL"):
        return os.environ["CELERY_IT_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_celery_it"))
    return "postgres://postgres@127.0.0.1:5432/union_celery_it"


DATABASE_URL = _database_url()
REDIS_URL = os.environ.get("CELERY_IT_REDIS_URL", "redis://127.0.0.1:6379/14")
REQUIRED = bool(os.environ.get("CI")) or os.environ.get("DATABASE_URL", "").startswith("postgres")


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (required here: CI is set or DATABASE_URL is PostgreSQL)")
    pytest.skip(reason)


def _create_database() -> None:
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            # Fresh for every module: rows an earlier run left (its members, its audit entries,
            # which protect their users) must not decide this run.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {parts.hostname}:{parts.port or 5432} is not reachable: {exc}")


@pytest.fixture(scope="module")
def one_run_at_a_time():
    """Two test runs on one machine (two checkouts, two engineers) would share the Redis database
    and, on SQLite runs, the PostgreSQL one, and empty each other's tables: take turns."""
    with open(os.path.join(tempfile.gettempdir(), "union_office_celery_it.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="module")
def broker(one_run_at_a_time):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL} is not reachable: {exc}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="module")
def stack_env(broker, tmp_path_factory):
    _create_database()
    folder = tmp_path_factory.mktemp("celery_it")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "union_office.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "REMINDERS_DISPATCH_INTERVAL": "1",
        "REMINDERS_CLAIM_TIMEOUT": "5",
        "REMINDERS_THREAD": "false",
        "EMAIL_BACKEND": "tests.integration.slow_mail.EmailBackend",
        "CELERY_IT_MAIL_LOG": str(folder / "mail.log"),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    env["IT_FOLDER"] = str(folder)
    return env


def _driver(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.celery_driver", *args],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"celery_driver {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def _status(env) -> dict:
    return json.loads(_driver(env, "status"))


def _mail_log(env) -> list[int]:
    path = Path(env["CELERY_IT_MAIL_LOG"])
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _start(env, *args, name):
    log = open(Path(env["IT_FOLDER"]) / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [CELERY, "-A", "union_office", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    process.log = log
    return process


def _worker(env):
    # solo pool: the task runs in this very process, so SIGKILL kills it mid-batch.
    return _start(
        env,
        "worker",
        "--pool=solo",
        "-Q",
        "default,bulk",
        "--loglevel=INFO",
        "-n",
        f"it-{time.time_ns()}@%h",
        name="worker",
    )


def _stop(process, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def _wait_for(predicate, *, timeout: float, what: str, env):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    logs = "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in Path(env["IT_FOLDER"]).glob("*.log")
    )
    pytest.fail(f"timed out waiting for {what}; status {_status(env)}\n{logs}")


def test_worker_and_beat_deliver_once_and_survive_a_killed_worker_and_a_lost_queue(stack_env, broker):
    env = stack_env
    _driver(env, "reset")
    Path(env["CELERY_IT_MAIL_LOG"]).unlink(missing_ok=True)
    beat = _start(env, "beat", "-s", str(Path(env["IT_FOLDER"]) / "beat-schedule"), "--loglevel=INFO", name="beat")
    worker = _worker(env)
    try:
        # 1. One reminder a few seconds ahead: not before its time, then once on each channel.
        _driver(env, "schedule", "1", "4")
        _wait_for(
            lambda: _status(env)["states"].get("email:sent") == 1, timeout=120, what="the first reminder", env=env
        )
        time.sleep(3)  # several more beat ticks
        status = _status(env)
        assert status["notifications"] == 1
        assert status["early"] == 0, "sent before it was due"
        assert status["states"] == {"inapp:sent": 1, "email:sent": 1}
        assert len(_mail_log(env)) == 1

        # 2. Many reminders; the worker is killed with SIGKILL in the middle of the email batch.
        _driver(env, "reset")
        Path(env["CELERY_IT_MAIL_LOG"]).unlink(missing_ok=True)
        _driver(env, "schedule", "300", "0")
        _wait_for(lambda: len(_mail_log(env)) >= 40, timeout=120, what="the first 40 emails", env=env)
        _stop(worker, signal.SIGKILL)
        sent_before_kill = len(_mail_log(env))
        assert sent_before_kill < 300, "the batch finished before the kill; the test proves nothing"

        # 3. The broker loses its queue (what a Redis restart without persistence does).
        broker.flushdb()

        # 4. A new worker finishes the work: the dead worker's claims go stale after 5 s.
        worker = _worker(env)
        _wait_for(
            lambda: (
                (s := _status(env))["states"].get("inapp:sent") == 300
                and s["states"].get("email:sent", 0) + s["states"].get("email:review", 0) == 300
            ),
            timeout=180,
            what="all 300 reminders after the restart",
            env=env,
        )
        time.sleep(3)  # and nothing more happens on later ticks
        status = _status(env)
        log = _mail_log(env)
    finally:
        _stop(worker)
        _stop(beat)

    print(f"killed after {sent_before_kill} emails; final {status['states']}")
    # In-app: exactly once, none lost.
    assert status["notifications"] == 300
    assert status["duplicate_notifications"] == 0
    # Email: no message twice; every one sent, except at most the group the kill interrupted, which
    # waits for a person's check (待核对) instead of being sent again or silently dropped.
    assert len(log) == len(set(log)), "an email went out twice"
    assert set(status["email_sent_ids"]) <= set(log)
    assert len(status["email_review_ids"]) <= EMAIL_ATTEMPT_GROUP
    assert set(log) <= set(status["email_sent_ids"]) | set(status["email_review_ids"])
    assert len(status["email_sent_ids"]) + len(status["email_review_ids"]) == 300
