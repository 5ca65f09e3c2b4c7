"""A real Celery worker and beat remind a weekly activity's audience once (issue 15).

Same stack as test_celery_reminders.py (its fixtures: PostgreSQL database, Redis db 14, one run at
a time): a weekly activity whose occurrence starts a few seconds ahead is materialised, its planner
task is sent to the worker twice, the dispatcher (beat, every second) delivers the reminder; the
worker is then killed and restarted, and nothing is delivered again.
"""

import json
import signal
import time
from pathlib import Path

from tests.integration.test_celery_reminders import (  # noqa: F401 (fixtures)
    _driver,
    _stop,
    _wait_for,
    _worker,
    broker,
    one_run_at_a_time,
    stack_env,
)
from tests.integration.test_celery_reminders import _start as start_celery


def _weekly_status(env) -> dict:
    return json.loads(_driver(env, "weekly_status"))


def test_a_weekly_activity_starting_soon_is_reminded_once_across_a_worker_restart(stack_env, broker):  # noqa: F811
    env = stack_env
    _driver(env, "reset")
    beat = start_celery(
        env, "beat", "-s", str(Path(env["IT_FOLDER"]) / "beat-weekly"), "--loglevel=INFO", name="beat-weekly"
    )
    worker = _worker(env)
    try:
        _driver(env, "weekly", "120")  # ahead of a slow, shared machine; the planner needs it still to come
        _wait_for(
            lambda: _weekly_status(env)["states"].get("inapp:sent") == 1,
            timeout=240,
            what="the weekly activity's reminder",
            env=env,
        )
        _stop(worker, signal.SIGKILL)
        worker = _worker(env)
        time.sleep(6)  # several beat ticks with the new worker
        status = _weekly_status(env)
    finally:
        _stop(worker)
        _stop(beat)
    assert status["reminders"] == 1, "the planner ran twice and planned twice"
    assert status["notifications"] == 1
    assert status["early"] == 0
    assert status["states"].get("inapp:sent") == 1 and status["states"].get("email:sent") == 1
