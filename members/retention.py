"""How long roster files holding personal data are kept, and the periodic cleanup that enforces it.

A roster export holds names, phones and 身份证号 (masked or, with the permission, in full) of a
whole scope; an uploaded roster holds every 身份证号 in clear. Both sit in MEDIA_ROOT, never served
by URL, but a file nobody needs any more is only a risk. So (docs/roster-import-export.md):

- an export (`RosterExport`) is kept EXPORT_RETENTION after it was requested: then its file and
  its row are deleted (the audit log keeps who exported what, with full numbers or not);
- an import's upload is deleted as soon as it can no longer be committed (imports/services.py);
  one left unconfirmed (a preview nobody confirmed, a check whose worker died) is given up after
  IMPORT_RETENTION without activity: its file (and the dry run's plan next to it) is deleted and
  the import is marked 失败 with a message saying why. Its counts and row errors stay: they name
  rows and rules, not people;
- any file under exports/ or imports/ that no row points to (a worker that died between writing
  the file and saving the row) is deleted once older than the same periods.

`roster_retention_cleanup` runs daily from beat (union_office/celery.py). It may run twice at once
or again later: every row is claimed with a conditional UPDATE or DELETE whose count says which
run removes it, a missing file is no error, and a run with nothing to do writes nothing. Each run
that removed something writes one audit entry (actor 系统) listing what.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.files.storage import Storage, default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from union_office.audit import audit_record
from union_office.jobs import JobStatus

from .models import RosterExport, RosterImport

logger = logging.getLogger(__name__)

EXPORT_RETENTION = datetime.timedelta(days=7)
IMPORT_RETENTION = datetime.timedelta(days=2)
# The upload_to roots of RosterExport.file and RosterImport.file, with the period of each.
FILE_ROOTS = {"exports": EXPORT_RETENTION, "imports": IMPORT_RETENTION}
# The dry run's plan is stored next to the upload as "<upload>.plan" (imports/dry_run.py).
PLAN_SUFFIX = ".plan"


@dataclass
class CleanupResult:
    exports_deleted: list[int] = field(default_factory=list)
    imports_expired: list[int] = field(default_factory=list)
    orphan_files_deleted: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.exports_deleted or self.imports_expired or self.orphan_files_deleted)


def _delete_file(storage: Storage, name: str) -> None:
    if name:
        storage.delete(name)  # a file already gone is no error (FileSystemStorage, S3 alike)


def _expire_exports(now: datetime.datetime, result: CleanupResult) -> None:
    cutoff = now - EXPORT_RETENTION
    old = RosterExport.objects.filter(created_at__lt=cutoff).values_list("pk", "file")
    for pk, name in old:
        # The DELETE's count says which run removes it; the file goes after the row, so a crash
        # in between leaves an orphan file, which the sweep below removes next time.
        deleted, _by_model = RosterExport.objects.filter(pk=pk).delete()
        if deleted:
            _delete_file(RosterExport.file.field.storage, name)
            result.exports_deleted.append(pk)


def _expire_imports(now: datetime.datetime, result: CleanupResult) -> None:
    cutoff = now - IMPORT_RETENTION
    # Not confirmed, idle for the whole period: a preview that could be confirmed but was not, a
    # check that never started or whose worker died. A preview with errors can never be
    # committed (its file is already gone) and keeps showing them; a confirmed import being
    # written (RUNNING with committed_at) is never touched.
    abandoned = (
        Q(status=JobStatus.QUEUED)
        | Q(status=JobStatus.PREVIEW, invalid_count=0)
        | Q(status=JobStatus.RUNNING, committed_at__isnull=True)
    )
    message = gettext("超过 %(days)d 天未确认导入，上传的文件已按规定删除；如需导入，请重新上传。") % {
        "days": IMPORT_RETENTION.days
    }
    for pk, name, status in RosterImport.objects.filter(abandoned, updated_at__lt=cutoff).values_list(
        "pk", "file", "status"
    ):
        claimed = RosterImport.objects.filter(pk=pk, status=status, updated_at__lt=cutoff).update(
            status=JobStatus.FAILED, file="", message=message, updated_at=now
        )
        if claimed:
            storage = RosterImport.file.field.storage
            _delete_file(storage, name)
            _delete_file(storage, f"{name}{PLAN_SUFFIX}" if name else "")
            result.imports_expired.append(pk)
    # Any other import whose upload is still there (its deletion after the commit or the failed
    # check did not happen): the file goes, the import stays as it is.
    for pk, name in (
        RosterImport.objects.filter(updated_at__lt=cutoff).exclude(abandoned).exclude(file="").values_list("pk", "file")
    ):
        if (
            RosterImport.objects.filter(pk=pk, file=name)
            .exclude(status=JobStatus.RUNNING)
            .update(file="", updated_at=now)
        ):
            storage = RosterImport.file.field.storage
            _delete_file(storage, name)
            _delete_file(storage, f"{name}{PLAN_SUFFIX}")
            result.imports_expired.append(pk)


def _walk(storage: Storage, path: str):
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}")


def _sweep_orphans(now: datetime.datetime, result: CleanupResult) -> None:
    """Files under exports/ and imports/ that no row points to, older than their period."""
    referenced = set(RosterExport.objects.exclude(file="").values_list("file", flat=True))
    referenced |= set(RosterImport.objects.exclude(file="").values_list("file", flat=True))
    storage = default_storage
    for root, period in FILE_ROOTS.items():
        for name in _walk(storage, root):
            owner = name.removesuffix(PLAN_SUFFIX)
            if name in referenced or owner in referenced:
                continue
            try:
                modified = storage.get_modified_time(name)
            except FileNotFoundError:
                continue  # removed by a concurrent run
            if modified < now - period:
                storage.delete(name)
                result.orphan_files_deleted.append(name)


def roster_retention_cleanup(*, now: datetime.datetime | None = None) -> CleanupResult:
    """Delete roster exports and abandoned imports past their retention (module docstring)."""
    now = now or timezone.now()
    result = CleanupResult()
    _expire_exports(now, result)
    _expire_imports(now, result)
    _sweep_orphans(now, result)
    if result:
        audit_record(
            actor=None,
            action="member.retention_cleanup",
            changes={
                "roster_exports_deleted": result.exports_deleted,
                "roster_imports_expired": result.imports_expired,
                "orphan_files_deleted": result.orphan_files_deleted,
            },
        )
        logger.info(
            "retention cleanup: %d exports deleted, %d imports expired, %d orphan files deleted",
            len(result.exports_deleted),
            len(result.imports_expired),
            len(result.orphan_files_deleted),
        )
    return result
