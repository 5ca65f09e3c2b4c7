"""The plan of a checked import: what its commit writes, recorded by the dry run.

Reading and checking a 100,000-row file again at commit time took 12 s for a .csv and 16 s for an
.xlsx, most of it spent finding again what the dry run had just found. So the dry run records,
next to the uploaded file, the rows it would write: new members complete with their encrypted
身份证号, changed members by id with their new values. With them it records the SHA-256 of the
upload and the roster stamp (resource.roster_stamp: units, departments and the file's existing
members as its checks read them, today's date). The commit, inside its transaction, writes the
plan as it is only when the upload has the same digest and the roster the same stamp now; else it
reads and checks the file again as it always did. Either way every check holds at commit time,
and the unique index on id_number_hash still refuses a number someone registers meanwhile.

The plan file, JSON lines: 1. the header (version, digests, counts, column names); 2. the keyed
hashes of the file's numbers (the stamp's lookup); then the new members, a line per batch of up to
_BATCH rows; then the changed members likewise (one JSON array per batch: a line per row took
twice as long to write and to read). It holds no 身份证号 in clear (the upload does) and is deleted with the upload.
"""

import contextlib
import datetime
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched
from typing import IO, Any

from django.core.files import File
from django.db import connection, models
from django.utils import timezone

from ..models import Member, RosterImport
from .resource import (
    COMPARED_FIELDS,
    COPY_ATTNAMES,
    COPY_NEW_SQL,
    UPDATE_ATTNAMES,
    copy_changed_members,
    copy_new_members,
    existing_members,
    import_scope,
    roster_stamp,
)

# Bump when what a plan means changes (the checks, the columns): an older plan is then ignored.
PLAN_VERSION = 2
# A plan's rows have the columns the import writes (COPY_ATTNAMES, UPDATE_ATTNAMES); their
# updated_at is empty until the commit sets it to its own moment.
_NEW_UPDATED_AT = COPY_ATTNAMES.index("updated_at")
_CHANGED_UPDATED_AT = UPDATE_ATTNAMES.index("updated_at")
_BATCH = 1000  # rows per line of the plan, and per bulk_create / bulk_update where there is no COPY


def file_digest(roster_import: RosterImport) -> str:
    """SHA-256 of the stored upload (FileNotFoundError if it is gone)."""
    digest = hashlib.sha256()
    with roster_import.file.storage.open(roster_import.file.name, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def plan_name(roster_import: RosterImport) -> str:
    return f"{roster_import.file.name}.plan"


def plan_discard(roster_import: RosterImport) -> None:
    if roster_import.file:
        roster_import.file.storage.delete(plan_name(roster_import))


def _plain(value: Any) -> str:
    if isinstance(value, datetime.date | Decimal):
        return str(value)  # 2015-09-01, 6500.00: what the columns read back
    raise TypeError(f"{type(value).__name__} in a roster import plan")


# One encoder for all rows: json.dumps(…, default=…) builds a new one per call (twice the time).
_ENCODER = json.JSONEncoder(default=_plain, ensure_ascii=False)


def _text_positions(attnames: list[str]) -> list[int]:
    """Where the dates and amounts are in a row: written as text by add() itself, which is faster
    than the encoder calling _plain for each."""
    kinds = (models.DateField, models.DecimalField)
    return [i for i, name in enumerate(attnames) if isinstance(Member._meta.get_field(name), kinds)]


_NEW_TEXT, _CHANGED_TEXT = _text_positions(COPY_ATTNAMES), _text_positions(UPDATE_ATTNAMES)


class PlanWriter:
    """Collects the rows of a dry run in temporary files; save() stores them as the plan."""

    def __init__(self) -> None:
        # Open for the whole dry run, closed (and so deleted) by close().
        self._new: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._changed: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.new_count = self.changed_count = 0
        self._new_batch: list[list[Any]] = []
        self._changed_batch: list[list[Any]] = []

    def add(self, values: list[Any], is_create: bool) -> None:
        """A row the commit would write: a new member's COPY_ATTNAMES values or a changed one's
        UPDATE_ATTNAMES values, its updated_at empty (the commit sets it)."""
        for i in _NEW_TEXT if is_create else _CHANGED_TEXT:
            value = values[i]
            if value is not None:
                values[i] = str(value)  # 2015-09-01, 6500.00: what _plain writes
        batch = self._new_batch if is_create else self._changed_batch
        batch.append(values)
        if len(batch) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        for batch, part in ((self._new_batch, self._new), (self._changed_batch, self._changed)):
            if batch:
                part.write(_ENCODER.encode(batch) + "\n")
                if part is self._new:
                    self.new_count += len(batch)
                else:
                    self.changed_count += len(batch)
                batch.clear()

    def save(
        self,
        roster_import: RosterImport,
        *,
        file_sha256: str,
        stamp: str,
        hashes: list[str],
        counts: dict[str, int],
        total_rows: int,
    ) -> None:
        self._flush()
        header = {
            "version": PLAN_VERSION,
            "import": roster_import.pk,
            "file_sha256": file_sha256,
            "stamp": stamp,
            "counts": counts,  # the preview's 新增 / 变更 / 无变化 / 错误
            "total_rows": total_rows,
            "new": self.new_count,  # rows of new members, then of changed ones
            "changed": self.changed_count,
            "new_columns": COPY_ATTNAMES,
            "update_columns": UPDATE_ATTNAMES,
        }
        storage, name = roster_import.file.storage, plan_name(roster_import)
        with tempfile.TemporaryFile("w+b") as out:
            out.write(json.dumps(header).encode() + b"\n" + json.dumps(hashes).encode() + b"\n")
            for part in (self._new, self._changed):
                part.flush()
                part.seek(0)
                shutil.copyfileobj(part.buffer, out, 1024 * 1024)
            out.seek(0)
            storage.delete(name)
            saved = storage.save(name, File(out, name=name))
        if saved != name:  # the storage renamed it: the commit would not find it
            storage.delete(saved)

    def close(self) -> None:
        self._new.close()
        self._changed.close()


@dataclass
class Plan:
    header: dict[str, Any]
    hashes: list[str]
    lines: Iterator[bytes]  # the new members' lines, then the changed members'


@contextlib.contextmanager
def plan_open(roster_import: RosterImport, *, hashes: bool = True) -> Iterator[Plan | None]:
    """The stored plan of this import, or None (none stored, or written by another version).
    Without `hashes` its list of keyed hashes is skipped (100,000 of them take 11 MB)."""
    try:
        stream = roster_import.file.storage.open(plan_name(roster_import), "rb")
    except FileNotFoundError:
        yield None
        return
    with stream:
        try:
            header = json.loads(stream.readline())
            usable = (
                header.get("version") == PLAN_VERSION
                and header.get("import") == roster_import.pk
                and header.get("new_columns") == COPY_ATTNAMES
                and header.get("update_columns") == UPDATE_ATTNAMES
            )
            line = stream.readline() if usable else b""
            keyed = json.loads(line) if hashes and usable else []
        except ValueError:  # a torn or foreign file: not a plan to trust
            usable, header, keyed = False, {}, []
        # readline, not iter(): a Django File iterates from its start.
        yield Plan(header, keyed, iter(stream.readline, b"")) if usable else None


def plan_file_unchanged(plan: Plan, roster_import: RosterImport) -> bool:
    """Is the upload still the file the plan was made from (its SHA-256)?"""
    try:
        return file_digest(roster_import) == plan.header["file_sha256"]
    except FileNotFoundError:
        return False


def plan_still_holds(plan: Plan, roster_import: RosterImport) -> bool:
    """Is the plan what a full check of the upload would find now? The upload's digest, then the
    roster stamp (three queries: units, departments, the file's existing members).

    When the plan changes members, the file's existing members are read FOR UPDATE (the caller's
    transaction): an edit saved after this check would otherwise be overwritten by the plan's
    values unseen. A plan that only adds members locks nothing (the unique index guards those).
    """
    if not plan_file_unchanged(plan, roster_import):
        return False
    target = roster_import.org_unit
    units, departments = import_scope(target)
    stamp = roster_stamp(
        target=target,
        today=timezone.localdate(),
        units=units,
        departments=departments,
        existing=existing_members(plan.hashes, lock=bool(plan.header["changed"])),
    )
    return stamp == plan.header["stamp"]


def plan_write(plan: Plan) -> None:
    """Write the plan's rows to the roster: one COPY of the new members and one UPDATE … FROM a
    COPied temporary table on PostgreSQL; bulk_create and bulk_update elsewhere. Database errors
    (a number registered meanwhile: the unique index) propagate; the caller rolls back."""
    now = timezone.now()
    new_rows = _rows(plan.lines, plan.header["new"], _NEW_UPDATED_AT, now)
    changed_rows = _rows(plan.lines, plan.header["changed"], _CHANGED_UPDATED_AT, now)
    if connection.vendor == "postgresql":
        if plan.header["new"]:
            copy_new_members(new_rows)
        if plan.header["changed"]:
            copy_changed_members(changed_rows)
        return
    fields = [Member._meta.get_field(name) for name in COPY_ATTNAMES]
    for rows in batched(new_rows, _BATCH):
        Member.objects.bulk_create([_member(fields, values) for values in rows])
    fields = [Member._meta.get_field(name) for name in UPDATE_ATTNAMES]
    for rows in batched(changed_rows, _BATCH):
        Member.objects.bulk_update([_member(fields, values) for values in rows], [*COMPARED_FIELDS, "updated_at"])


def _rows(
    lines: Iterator[bytes], count: int, updated_at_index: int, now: datetime.datetime | None
) -> Iterator[list[Any]]:
    """The next `count` rows of the plan's batch lines, their updated_at set to `now`."""
    while count > 0:
        batch = json.loads(next(lines))
        for values in batch:
            values[updated_at_index] = now
        count -= len(batch)
        yield from batch


def _member(fields: list[Any], values: list[Any]) -> Member:
    """A Member from a plan row (dates and amounts come as text), for bulk_create and bulk_update."""
    return Member(**{f.attname: f.to_python(v) for f, v in zip(fields, values, strict=True)})


# --- The roster changed, the file did not: write the plan while the rows are checked again --------
#
# A commit whose roster changed since the preview must check every row again, and on PostgreSQL
# the writing (a COPY of 100,000 rows and the foreign key checks: 6-8 s here) took as long as the
# reading and checking (3-6 s), one after the other. When the upload is the plan's file, the rows
# the check will find are most likely the plan's. So a second thread COPies the plan's new members
# (in the commit's transaction, in a savepoint) while this thread reads and checks every row of
# the file again, as a dry run on the same locked members; PlanCheck compares each row the check
# finds with the plan's. The plan's rows are kept only if every row is the same (but for the
# ciphertext, which a new nonce makes differ, of the same number); at the first difference, or an
# invalid row, the COPY is stopped and rolled back, and the rows are written as checked.


class PlanMismatch(Exception):
    """The check found other rows than the plan's."""


class PlanCheck:
    """The `plan` of a dry run that compares the rows it is given with a stored plan's, in order."""

    keeps_ciphers = False  # the ciphertexts are not compared: no need to encrypt

    def __init__(self, roster_import: RosterImport) -> None:
        self._plan_context = plan_open(roster_import, hashes=False)
        plan = self._plan_context.__enter__()
        if plan is None:
            self.close()
            raise PlanMismatch("no plan")
        self.header = plan.header
        self._lines = plan.lines
        self._new = _rows(plan.lines, plan.header["new"], _NEW_UPDATED_AT, None)
        self.new_count = 0
        self.changed_rows: list[list[Any]] = []  # compared in finish(): the plan has them last

    def add(self, values: list[Any], is_create: bool) -> None:
        if is_create:
            expected = next(self._new, None)
            found = _comparable(values, _NEW_TEXT, _NEW_CIPHER)
            if expected is None or found != _comparable(expected, [], _NEW_CIPHER):
                raise PlanMismatch(f"new row {self.new_count + 1}")
            self.new_count += 1
        else:
            self.changed_rows.append(values)

    def finish(self, counts: dict[str, int]) -> None:
        """After the last row: the same counts, no row of the plan left, the same changed rows."""
        if counts != self.header["counts"] or self.new_count != self.header["new"]:
            raise PlanMismatch("counts")
        changed = _rows(self._lines, self.header["changed"], _CHANGED_UPDATED_AT, None)
        for values in self.changed_rows:
            if _comparable(list(values), _CHANGED_TEXT, None) != next(changed, None):
                raise PlanMismatch("changed row")

    def close(self) -> None:
        self._plan_context.__exit__(None, None, None)


_NEW_CIPHER = COPY_ATTNAMES.index("id_number_cipher")


def _comparable(values: list[Any], text_positions: list[int], cipher: int | None) -> list[Any]:
    """A row as the plan stores it (dates and amounts as text), without its ciphertext."""
    for i in text_positions:
        value = values[i]
        if value is not None:
            values[i] = str(value)
    if cipher is not None:
        values[cipher] = None
    return values


class PlanCopier(threading.Thread):
    """COPies a plan's new members on the given psycopg connection (the commit's, inside its
    transaction: the caller sends nothing on it until join()), with the foreign keys checked at
    the end of the COPY (SET CONSTRAINTS … IMMEDIATE) rather than at COMMIT: that work too is done
    while the caller checks the rows. `error` is what failed (None: all written)."""

    def __init__(self, roster_import: RosterImport, raw_connection: Any) -> None:
        super().__init__(name=f"roster-import-{roster_import.pk}-copy", daemon=True)
        self.roster_import, self.raw_connection = roster_import, raw_connection
        self.error: BaseException | None = None
        self._stop_requested = threading.Event()
        self.now = timezone.now()

    def stop(self) -> None:
        """Abandon the COPY (the caller rolls its savepoint back)."""
        self._stop_requested.set()

    def run(self) -> None:
        try:
            with plan_open(self.roster_import, hashes=False) as plan:
                if plan is None:
                    raise PlanMismatch("no plan")
                with self.raw_connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    with cursor.copy(COPY_NEW_SQL) as copy:
                        for values in _rows(plan.lines, plan.header["new"], _NEW_UPDATED_AT, self.now):
                            if self._stop_requested.is_set():
                                raise PlanMismatch("stopped")
                            copy.write_row(values)
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc
