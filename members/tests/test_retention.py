"""Retention of roster files: old exports and abandoned import uploads are deleted, files and all."""

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from members import exports
from members.models import RosterExport, RosterImport
from members.retention import EXPORT_RETENTION, IMPORT_RETENTION, roster_retention_cleanup
from members.tests.factories import MemberFactory
from union_office.jobs import JobStatus
from union_office.models import AuditEntry

DAY = datetime.timedelta(days=1)
CLEANUP_AUDIT = "member.retention_cleanup"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _done_export(user, *, full_id_numbers=False) -> RosterExport:
    export = RosterExport.objects.create(created_by=user, full_id_numbers=full_id_numbers)
    exports.roster_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == JobStatus.DONE and Path(export.file.path).is_file()
    return export


def _import(user, unit, *, status, committed_at=None, invalid_count=0, with_plan=False) -> RosterImport:
    roster_import = RosterImport(
        org_unit=unit,
        created_by=user,
        original_name="花名册.csv",
        status=status,
        committed_at=committed_at,
        invalid_count=invalid_count,
    )
    roster_import.file.save("花名册.csv", ContentFile("姓名,身份证号\n张三,110105199001011234\n".encode()), save=False)
    roster_import.save()
    if with_plan:
        default_storage.save(f"{roster_import.file.name}.plan", ContentFile(b"{}"))
    return roster_import


def test_exports_older_than_the_retention_are_deleted_file_and_row(chair, org, member_in_a):
    old = _done_export(chair, full_id_numbers=True)
    young = _done_export(chair)
    RosterExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - EXPORT_RETENTION - DAY)
    old_path, young_path = Path(old.file.path), Path(young.file.path)

    result = roster_retention_cleanup(now=timezone.now() + DAY)

    assert result.exports_deleted == [old.pk]
    assert not old_path.exists()
    assert not RosterExport.objects.filter(pk=old.pk).exists()
    assert young_path.is_file() and RosterExport.objects.filter(pk=young.pk).exists()
    entry = AuditEntry.objects.get(action=CLEANUP_AUDIT)
    assert entry.actor is None and entry.actor_repr == "系统"
    assert entry.changes["roster_exports_deleted"] == [old.pk]
    # The audit entry of the full-number export outlives the file.
    assert AuditEntry.objects.filter(action="member.export_full_id_numbers", object_id=str(old.pk)).exists()

    # Idempotent: nothing left to do, nothing written.
    assert not roster_retention_cleanup(now=timezone.now() + DAY)
    assert AuditEntry.objects.filter(action=CLEANUP_AUDIT).count() == 1

    # A week later the young one goes too.
    assert roster_retention_cleanup(now=timezone.now() + EXPORT_RETENTION + DAY).exports_deleted == [young.pk]
    assert not young_path.exists()


def test_unconfirmed_imports_are_given_up_and_their_files_deleted(chair, org):
    preview = _import(chair, org.branch_a, status=JobStatus.PREVIEW, with_plan=True)
    queued = _import(chair, org.branch_a, status=JobStatus.QUEUED)
    checking = _import(chair, org.branch_a, status=JobStatus.RUNNING)
    committing = _import(chair, org.branch_a, status=JobStatus.RUNNING, committed_at=timezone.now())
    files = {item.pk: Path(item.file.path) for item in [preview, queued, checking, committing]}
    plan = Path(f"{preview.file.path}.plan")
    assert plan.is_file()

    assert not roster_retention_cleanup(now=timezone.now() + IMPORT_RETENTION - DAY)  # not yet
    result = roster_retention_cleanup(now=timezone.now() + IMPORT_RETENTION + DAY)

    assert sorted(result.imports_expired) == sorted([preview.pk, queued.pk, checking.pk])
    for item in [preview, queued, checking]:
        item.refresh_from_db()
        assert item.status == JobStatus.FAILED
        assert not item.file
        assert "超过 2 天未确认导入" in item.message
        assert not files[item.pk].exists()
    assert not plan.exists()
    committing.refresh_from_db()
    assert committing.status == JobStatus.RUNNING and files[committing.pk].is_file()
    assert AuditEntry.objects.get(action=CLEANUP_AUDIT).changes["roster_imports_expired"] == result.imports_expired

    assert not roster_retention_cleanup(now=timezone.now() + IMPORT_RETENTION + DAY)


def test_finished_imports_lose_a_leftover_file_but_keep_their_state(chair, org):
    done = _import(chair, org.branch_a, status=JobStatus.DONE, committed_at=timezone.now())
    invalid = _import(chair, org.branch_a, status=JobStatus.PREVIEW, invalid_count=3)
    invalid_no_file = RosterImport.objects.create(
        org_unit=org.branch_a, created_by=chair, original_name="x.csv", status=JobStatus.PREVIEW, invalid_count=1
    )
    paths = [Path(done.file.path), Path(invalid.file.path)]

    result = roster_retention_cleanup(now=timezone.now() + IMPORT_RETENTION + DAY)

    assert sorted(result.imports_expired) == sorted([done.pk, invalid.pk])
    assert not any(path.exists() for path in paths)
    done.refresh_from_db()
    invalid.refresh_from_db()
    invalid_no_file.refresh_from_db()
    assert (done.status, done.file.name) == (JobStatus.DONE, "")
    assert (invalid.status, invalid.invalid_count) == (JobStatus.PREVIEW, 3)  # still shows its errors
    assert invalid_no_file.status == JobStatus.PREVIEW and invalid_no_file.message == ""


def test_orphan_files_are_swept_once_old(chair, org, member_in_a):
    export = _done_export(chair)
    preview = _import(chair, org.branch_a, status=JobStatus.PREVIEW, with_plan=True)
    orphan_export = default_storage.save("exports/2026/11/会员花名册-孤立.xlsx", ContentFile(b"PK"))
    orphan_upload = default_storage.save("imports/2026/11/abandoned.csv", ContentFile(b"x"))

    assert not roster_retention_cleanup(now=timezone.now() + DAY).orphan_files_deleted
    RosterImport.objects.filter(pk=preview.pk).update(updated_at=timezone.now() + 30 * DAY)  # keep it young
    result = roster_retention_cleanup(now=timezone.now() + IMPORT_RETENTION + DAY)

    assert result.orphan_files_deleted == [orphan_upload]
    assert not default_storage.exists(orphan_upload)
    assert default_storage.exists(orphan_export)  # exports are kept longer
    assert default_storage.exists(preview.file.name) and default_storage.exists(f"{preview.file.name}.plan")
    assert default_storage.exists(export.file.name)

    result = roster_retention_cleanup(now=timezone.now() + EXPORT_RETENTION + DAY)
    assert orphan_export in result.orphan_files_deleted
    assert not default_storage.exists(orphan_export)


def test_cleanup_runs_from_beat(chair, org, member_in_a):
    from members.tasks import roster_retention_cleanup_task
    from union_office.celery import app

    assert app.conf.beat_schedule["roster-retention-cleanup"]["task"] == roster_retention_cleanup_task.name
    export = _done_export(chair)
    RosterExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - EXPORT_RETENTION - DAY)
    counts = roster_retention_cleanup_task.delay().get()
    assert counts == {"exports_deleted": 1, "imports_expired": 0, "orphan_files_deleted": 0}


def test_export_page_says_when_the_file_is_deleted(login, chair, org):
    MemberFactory(org_unit=org.branch_a)
    export = _done_export(chair)
    expires = timezone.localtime(export.created_at + EXPORT_RETENTION).strftime("%Y-%m-%d %H:%M")
    for name in ["export_detail", "export_progress"]:
        body = login(chair).get(reverse(f"members:{name}", args=[export.pk])).content.decode()
        assert f"系统将于 {expires} 自动删除本文件" in body, name
