"""The periodic sweeps send again the background jobs whose message was lost or whose worker died.

A worker killed mid-run leaves its row RUNNING (tests/integration/test_celery_export_kill.py does
it to a real worker); here the rows are put in that state directly, at the edges of the rules.
"""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from congress.models import CompilationExport
from congress.services.compilations import compilation_requeue
from congress.tests.builders import world  # noqa: F401  (the congress fixture)
from members import exports
from members.exports import roster_export_requeue
from members.imports import roster_import_requeue
from members.models import RosterExport, RosterImport
from members.tests.factories import MemberFactory
from members.tests.test_imports import csv_file, row
from union_office.jobs import DELAYED_MESSAGE, JobStatus

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=3)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _age(model, pk, seconds, **fields):
    """Make the row look untouched for `seconds` (and set `fields`), as a dead worker leaves it."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds), **fields)


def test_an_export_whose_worker_died_is_run_again_once_and_a_live_one_is_left_alone(chair, org, media_root):
    MemberFactory.create_batch(3, org_unit=org.branch_a)
    limit = settings.CELERY_TASK_TIME_LIMIT
    dead = RosterExport.objects.create(created_by=chair, status=JobStatus.RUNNING, processed_rows=2)
    alive = RosterExport.objects.create(created_by=chair, status=JobStatus.RUNNING, processed_rows=2)
    _age(RosterExport, dead.pk, limit + 1)
    _age(RosterExport, alive.pk, limit - 5)  # slow, but it may still be writing

    assert roster_export_requeue() == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == JobStatus.DONE and dead.processed_rows == dead.total_rows == 4
    assert alive.status == JobStatus.RUNNING and alive.processed_rows == 2
    assert len(list((media_root / "exports").rglob("*.xlsx"))) == 1
    assert roster_export_requeue() == []


def test_an_import_check_whose_worker_died_is_checked_again(committee, org, media_root, monkeypatch):
    from members.imports import services

    # Upload without running the check (as if the worker died on it right after the claim).
    monkeypatch.setattr(services.jobs, "send_on_commit", lambda *args: None)
    roster_import = services.roster_import_create(
        actor=committee, org_unit=org.branch_a, uploaded_file=csv_file([row(1), row(2)])
    )
    _age(RosterImport, roster_import.pk, settings.CELERY_TASK_TIME_LIMIT + 1, status=JobStatus.RUNNING)
    monkeypatch.undo()
    assert roster_import_requeue() == [roster_import.pk]
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.PREVIEW and roster_import.new_count == 2
    assert roster_import_requeue(now=timezone.now() + LATER) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks (SKIP LOCKED) need PostgreSQL")
def test_a_commit_being_written_is_not_sent_again(committee, org, media_root):
    roster_import = RosterImport.objects.create(
        org_unit=org.branch_a,
        created_by=committee,
        original_name="花名册.csv",
        status=JobStatus.RUNNING,
        committed_at=timezone.now(),
    )
    locked, release = threading.Event(), threading.Event()

    def commit_in_progress():
        # What roster_import_commit holds for its whole transaction.
        with transaction.atomic():
            RosterImport.objects.select_for_update().get(pk=roster_import.pk)
            locked.set()
            release.wait(10)
        connection.close()

    writer = threading.Thread(target=commit_in_progress)
    writer.start()
    try:
        assert locked.wait(10)
        assert roster_import_requeue(now=timezone.now() + LATER) == []
    finally:
        release.set()
        writer.join()


def test_a_compilation_whose_worker_died_is_written_again(world, media_root, login):  # noqa: F811
    job = CompilationExport.objects.create(
        session=world.session,
        created_by=world.motions,
        status=JobStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1),
    )
    # Before the sweep such a job stayed 生成中 for good: each new request got the same job back.
    client = login(world.member)
    response = client.post(reverse("congress:compilation_request", args=[world.session.pk]))
    assert response["Location"] == reverse("congress:compilation_detail", args=[job.pk])

    assert compilation_requeue() == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file and (media_root / job.file.name).read_bytes()[:4] == b"%PDF"
    assert compilation_requeue(now=timezone.now() + LATER) == []


def test_a_compilation_requested_while_the_broker_is_down_runs_when_it_is_back(
    world,  # noqa: F811
    dead_broker,
    commits_at_once,
    media_root,
    login,
):
    client = login(world.member)
    response = client.post(reverse("congress:compilation_request", args=[world.session.pk]))
    job = CompilationExport.objects.get()
    assert response["Location"] == reverse("congress:compilation_detail", args=[job.pk])
    assert str(DELAYED_MESSAGE) in client.get(response["Location"]).content.decode()
    assert job.status == JobStatus.QUEUED

    dead_broker.revive()
    assert compilation_requeue(now=timezone.now() + LATER) == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_an_export_sent_twice_is_written_once(chair, org, media_root):
    """The message the dead worker held comes back too (acks_late): the second run does nothing."""
    MemberFactory.create_batch(2, org_unit=org.branch_a)
    export = RosterExport.objects.create(created_by=chair, total_rows=3)
    exports.roster_export_run(export_id=export.pk)
    exports.roster_export_run(export_id=export.pk)
    assert len(list((media_root / "exports").rglob("*.xlsx"))) == 1
