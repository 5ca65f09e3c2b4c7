"""Issue 23: long jobs go to the "bulk" queue, reminders and everything short to "default"."""

import importlib
import importlib.util

import pytest
from django.conf import settings

from union_office.celery import app

BULK = {
    "members.tasks.roster_export_task",
    "members.tasks.roster_import_validate_task",
    "members.tasks.roster_import_commit_task",
    "members.tasks.roster_retention_cleanup_task",
    "congress.tasks.compilation_task",
}


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name, (), {})
    return route["queue"].name


@pytest.fixture(scope="module")
def our_tasks() -> set[str]:
    apps = ("members", "finance", "welfare", "activities", "congress", "plans", "union_office")
    for name in apps:  # what Celery's autodiscovery imports when a worker starts
        if importlib.util.find_spec(f"{name}.tasks"):
            importlib.import_module(f"{name}.tasks")
    apps = tuple(f"{name}." for name in apps)
    return {name for name in app.tasks if name.startswith(apps)}


def test_long_jobs_go_to_bulk_and_the_rest_to_default(our_tasks):
    assert our_tasks >= BULK
    assert {name for name in our_tasks if queue_of(name) == "bulk"} == BULK
    assert queue_of("union_office.tasks.reminders_dispatch_task") == "default"
    assert queue_of("members.tasks.roster_jobs_requeue_task") == "default"


def test_every_route_names_a_task_that_exists(our_tasks):
    """A renamed task would otherwise fall back to "default" without anyone noticing."""
    assert set(settings.CELERY_TASK_ROUTES) <= our_tasks


def test_worker_processes_are_recycled():
    assert app.conf.worker_max_tasks_per_child == settings.CELERY_WORKER_MAX_TASKS_PER_CHILD > 0
    assert app.conf.task_default_queue == "default"
