"""MemberResource: one 花名册 row ↔ one Member, through django-import-export, with no query per row."""

import datetime
import hashlib
import json
import logging
import operator
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import batched
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext
from import_export import exceptions, fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, ErrorRow, Result, RowResult

from union_office import crypto

from ..idcard import ID_NUMBER_FORMAT, IdNumberInfo, mask_id_number, normalize_id_number
from ..models import Department, EmploymentType, Gender, Member, OrgUnit
from .files import (
    BIRTH_DATE,
    COLUMNS,
    DEPARTMENT,
    EMPLOYMENT,
    EXAMPLE_MARK,
    FRONTLINE,
    GENDER,
    ID_NUMBER,
    JOINED_ON,
    LOOKUP_CHUNK,
    MAX_STORED_ERRORS,
    MEMBER_NO,
    NAME,
    PHONE,
    PROGRESS_EVERY,
    UNIT,
    WAGE_BASE,
    RosterTable,
    cell_text,
)
from .widgets import (
    ChoiceWidget,
    DepartmentWidget,
    ExcelDateWidget,
    IdNumberWidget,
    MoneyWidget,
    PhoneWidget,
    TextWidget,
    UnitWidget,
    YesNoWidget,
)

if TYPE_CHECKING:
    from .dry_run import PlanWriter

logger = logging.getLogger(__name__)


class RosterResult(Result):
    """Totals and the first MAX_STORED_ERRORS bad rows; no RowResult kept per row (a 100,000-row
    file would hold 100,000 of them)."""

    def append_row_result(self, row_result: RowResult) -> None:
        pass

    def append_invalid_row(self, number: int, row: Any, validation_error: ValidationError) -> None:
        if len(self.invalid_rows) < MAX_STORED_ERRORS:
            self.invalid_rows.append((number, validation_error))

    def append_error_row(self, number: int, row: Any, errors: list) -> None:
        if len(self.error_rows) < MAX_STORED_ERRORS:
            self.error_rows.append(ErrorRow(number=number, errors=errors))

    def has_errors(self) -> bool:
        return bool(self.base_errors or self.error_rows)


# The fields an import may change, compared for 无变化 and written by bulk_update.
COMPARED_FIELDS = [
    "name",
    "gender",
    "phone",
    "org_unit_id",
    "department_id",
    "joined_on",
    "member_no",
    "employment_type",
    "frontline",
    "wage_base",
]
# What the loader fetches of an existing member: what is compared and written, nothing else (not
# the ciphertext, not the birth date: the matched 身份证号 tells that).
_LOADED_FIELDS = {"id", "id_number_hash", *COMPARED_FIELDS}


_HEX_LIST = re.compile(r"\{[0-9a-f]+(?:,[0-9a-f]+)*\}")


def _hash_conditions(hashes: list[str]) -> Iterator[Any]:
    """WHERE conditions matching these keyed hashes, as few as the database allows.

    One array (PostgreSQL) or JSON (SQLite) parameter for the whole file: `IN (%s, %s, …)` with
    100,000 parameters spent 2.3 s in Django and psycopg preparing them, and SQLite caps the count.
    """
    if not hashes:
        return
    vendor = connection.vendor
    column = f"{connection.ops.quote_name(Member._meta.db_table)}.{connection.ops.quote_name('id_number_hash')}"
    if vendor == "postgresql":
        # One text parameter, an array literal: psycopg adapting a list of 100,000 strings took
        # 0.3 s. The hashes are hex digits, nothing to quote.
        literal = "{" + ",".join(hashes) + "}"
        if not _HEX_LIST.fullmatch(literal):
            raise ValueError("not keyed hashes")
        yield RawSQL(f"{column} = ANY(%s::text[])", (literal,), output_field=BooleanField())
    elif vendor == "sqlite":
        yield RawSQL(
            f"{column} IN (SELECT value FROM json_each(%s))", (json.dumps(hashes),), output_field=BooleanField()
        )
    else:
        for chunk in batched(hashes, LOOKUP_CHUNK):
            yield Q(id_number_hash__in=chunk)


class MemberHashLoader(BaseInstanceLoader):
    """The file's existing members, fetched by keyed hash of the 身份证号 (what
    Member.objects.with_id_number() filters on) in one query for the whole file, not one per row.

    Only the compared and updated columns are loaded (no ciphertext): a 100,000-row file keeps
    small tuples, and each row's Member is built from its tuple when the row is imported.
    """

    # Member.from_db() takes the loaded values in the model's field order.
    ATTNAMES = [f.attname for f in Member._meta.concrete_fields if f.attname in _LOADED_FIELDS]

    def __init__(self, resource: "MemberResource", dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        # The real run locks them: nobody may edit a member between this read and the UPDATE that
        # writes the file's values over it (that would be an overwrite nobody saw in the preview).
        if resource.prefetched is not None:
            self.existing = resource.prefetched[2]
        else:
            self.existing = existing_members(file_hashes(resource.row_hashes), lock=resource.lock_existing)
        resource.existing = self.existing  # what the roster stamp of the dry run covers

    def get_instance(self, row: Any) -> Member | None:
        # import-export's own row loop asks this; MemberResource's looks in `existing` itself.
        raw = row.get(ID_NUMBER)
        text = "" if isinstance(raw, Decimal) else normalize_id_number(cell_text(raw))
        values = self.existing.get(crypto.keyed_hash(text)) if ID_NUMBER_FORMAT.fullmatch(text) else None
        return None if values is None else Member.from_db(DEFAULT_DB_ALIAS, self.ATTNAMES, values)


def file_hashes(row_hashes: list[str | None]) -> list[str]:
    """The distinct keyed hashes of a file's well-formed numbers, sorted: what the loader looks up."""
    return sorted({h for h in row_hashes if h})


_SHARED_LOADED = [
    MemberHashLoader.ATTNAMES.index(name)
    for name in ("org_unit_id", "department_id", "joined_on", "employment_type", "wage_base")
]


def existing_members(hashes: list[str], *, lock: bool = False) -> dict[str, tuple]:
    """keyed hash → the loaded values (MemberHashLoader.ATTNAMES) of the members with these numbers.

    With `lock` (a commit, inside its transaction) the rows are read FOR UPDATE: what was read stays
    what is there until the commit ends, so the values compared are the values overwritten.
    """
    existing: dict[str, tuple] = {}
    hash_index = MemberHashLoader.ATTNAMES.index("id_number_hash")
    members = Member.objects.select_for_update(of=("self",)) if lock else Member.objects.all()
    # The values members share (unit, department, date, 用工形式, amount) as one object each: a
    # re-import of 100,000 members held 25 MB of copies.
    shared = [(i, {}) for i in _SHARED_LOADED]
    for condition in _hash_conditions(hashes):
        # A server-side cursor on PostgreSQL: the rows stream in, not all at once. Unordered: the
        # stamp sorts them itself, and Member's ordering would join and sort by the unit path.
        query = members.filter(condition).order_by().values_list(*MemberHashLoader.ATTNAMES)
        for loaded in query.iterator(chunk_size=5000):
            values = list(loaded)
            for i, seen in shared:
                value = values[i]
                values[i] = seen.setdefault(value, value)
            existing[loaded[hash_index]] = tuple(values)
    return existing


def import_scope(target: OrgUnit) -> tuple[list[OrgUnit], list[Department]]:
    """The units a row may name (the target's subtree, and the units above it for the departments
    of a 基层工会) and their departments: two queries for the whole file."""
    ancestors = target.ancestor_paths()
    units = list(OrgUnit.objects.filter(Q(path__startswith=target.path) | Q(path__in=ancestors)))
    departments = list(
        Department.objects.filter(Q(org_unit__path__startswith=target.path) | Q(org_unit__path__in=ancestors))
    )
    return units, departments


def roster_stamp(
    *,
    target: OrgUnit,
    today: datetime.date,
    units: list[OrgUnit],
    departments: list[Department],
    existing: dict[str, tuple],
) -> str:
    """A digest of everything in the database a row's check reads: the target, the units and
    departments in scope, the file's existing members (their compared fields and unit), today's
    date (入会日期 not in the future) and the hash key. Equal stamps mean the rows of a file would
    pass or fail the checks exactly as before, with the same values to write."""
    digest = hashlib.sha256()
    digest.update(repr((target.pk, target.path, today.isoformat(), crypto.keyed_hash("roster-import"))).encode())
    for unit in sorted(units, key=lambda u: u.pk):
        digest.update(repr((unit.pk, unit.parent_id, unit.path, unit.name, unit.kind)).encode())
    digest.update(b"|")
    for department in sorted(departments, key=lambda d: d.pk):
        digest.update(repr((department.pk, department.org_unit_id, department.name)).encode())
    digest.update(b"|")
    for key in sorted(existing):
        digest.update(repr(existing[key]).encode())
    return digest.hexdigest()


_UNIT_INDEX = COMPARED_FIELDS.index("org_unit_id")
# COPY writes every column but the id and those the database fills (created_at): the same row a
# bulk_create would insert. Values go through psycopg's own adapters, as with the ORM.
# The compared fields come first: a new member's row is its compared values and then the rest.
_COPY_FIELDS = [Member._meta.get_field(name) for name in COMPARED_FIELDS]
_COPY_FIELDS += [
    f
    for f in Member._meta.concrete_fields
    if not f.primary_key and not f.has_db_default() and f.attname not in COMPARED_FIELDS
]
COPY_ATTNAMES = [f.attname for f in _COPY_FIELDS]
COPY_NEW_SQL = "COPY {table} ({columns}) FROM STDIN".format(
    table=connection.ops.quote_name(Member._meta.db_table),
    columns=", ".join(connection.ops.quote_name(f.column) for f in _COPY_FIELDS),
)
# Changed members on PostgreSQL: a temporary table with the updated columns (and their types, but
# no constraints), dropped when the import's transaction ends.
UPDATE_ATTNAMES = ["id", *COMPARED_FIELDS, "updated_at"]
_UPDATE_TABLE = connection.ops.quote_name("roster_import_update")
_UPDATE_COLUMNS = [connection.ops.quote_name(Member._meta.get_field(name).column) for name in UPDATE_ATTNAMES]
_UPDATE_TABLE_SQL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_UPDATE_TABLE} ON COMMIT DROP AS "
    f"SELECT {', '.join(_UPDATE_COLUMNS)} FROM {connection.ops.quote_name(Member._meta.db_table)} WITH NO DATA"
)
_UPDATE_COPY_SQL = f"COPY {_UPDATE_TABLE} ({', '.join(_UPDATE_COLUMNS)}) FROM STDIN"
_UPDATE_SQL = "UPDATE {table} AS m SET {assignments} FROM {source} AS u WHERE m.{id} = u.{id}".format(
    table=connection.ops.quote_name(Member._meta.db_table),
    assignments=", ".join(f"{column} = u.{column}" for column in _UPDATE_COLUMNS[1:]),
    source=_UPDATE_TABLE,
    id=_UPDATE_COLUMNS[0],
)


def copy_new_members(rows: Iterable[list[Any]]) -> None:
    """PostgreSQL: INSERT new members, each row the values of COPY_ATTNAMES, with one COPY.

    psycopg's copy() is not wrapped by Django: its errors are turned into Django's here.
    """
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(COPY_NEW_SQL) as copy:
        for values in rows:
            copy.write_row(values)


def copy_changed_members(rows: Iterable[list[Any]]) -> None:
    """PostgreSQL: UPDATE members, each row the values of UPDATE_ATTNAMES (the id first), COPied
    into a temporary table and applied with one UPDATE … FROM."""
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(_UPDATE_TABLE_SQL)
        cursor.execute(f"TRUNCATE {_UPDATE_TABLE}")
        with cursor.cursor.copy(_UPDATE_COPY_SQL) as copy:
            for values in rows:
                copy.write_row(values)
        cursor.execute(_UPDATE_SQL)


# A new member's row (COPY_ATTNAMES) starts as the values of a blank Member: its defaults.
_BLANK_NEW = [getattr(Member(), name) for name in COPY_ATTNAMES]
if any(f.has_default() and callable(f.default) for f in _COPY_FIELDS):  # pragma: no cover
    raise ImproperlyConfigured("a Member field with a callable default: build each new row from Member()")
_BLANK_COMPARED = _BLANK_NEW[: len(COMPARED_FIELDS)]
_BLANK_REST = _BLANK_NEW[len(COMPARED_FIELDS) :]  # what follows the compared values in a new row
_REST_POSITION = {name: i for i, name in enumerate(COPY_ATTNAMES[len(COMPARED_FIELDS) :])}
_REST_BIRTH_DATE, _REST_CIPHER, _REST_HASH, _REST_MASKED, _REST_UPDATED_AT = (
    _REST_POSITION[name]
    for name in ("birth_date", "id_number_cipher", "id_number_hash", "id_number_masked", "updated_at")
)
# An existing member's loaded values: its compared ones, its id and its unit.
_take_compared = operator.itemgetter(*(MemberHashLoader.ATTNAMES.index(name) for name in COMPARED_FIELDS))
_LOADED_ID = MemberHashLoader.ATTNAMES.index("id")
_LOADED_UNIT = MemberHashLoader.ATTNAMES.index("org_unit_id")
_GENDER_INDEX = COMPARED_FIELDS.index("gender")
_DEPARTMENT_INDEX = COMPARED_FIELDS.index("department_id")
# The compared field each column's value goes to: the unit and the department as ids, set apart.
_SLOTS = {name: COMPARED_FIELDS.index(name) for name in COMPARED_FIELDS if not name.endswith("_id")}
_SLOTS["department"] = _DEPARTMENT_INDEX  # the department's slot marks its column in check_row

# The row outcomes, as import-export counts them in Result.totals.
NEW, CHANGED, UNCHANGED = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP
# Widgets whose result depends on the cell alone (and the import), memoized per distinct cell: a
# roster repeats its units, departments, dates, choices and amounts on every row.
_MEMOIZED = {"gender", "org_unit", "department", "joined_on", "employment_type", "frontline", "wage_base"}
_MEMO_LIMIT = 20_000  # distinct cells remembered per column (a hostile file may make them all differ)
_MISSING = object()
_BATCH = 1_000  # rows per bulk_create / bulk_update where there is no COPY


class _Refused(str):
    """A memoized widget error: the message."""


class _Abandon(Exception):
    """Raised into a COPY to abort it (and its savepoint): some row is invalid."""


class MemberResource(resources.ModelResource):
    """One 花名册 row ↔ one Member, matched by 身份证号 (through its keyed hash).

    Bound to one import's target unit: 所属工会 must lie in its subtree, and an existing member
    registered outside it is refused (that is a 转会). An empty optional cell keeps the member's
    current value (a new member gets the default).

    The columns are import-export fields and widgets, and import_data() is the entry point; the
    row loop (import_data_inner) is our own: import-export's builds a Member, a RowResult, an
    OrderedDict and a savepoint per row and goes through ten hooks, which cost more than the
    checks themselves. Here a row is a tuple of cells in and a tuple of column values out (what
    COPY or the plan takes), with the counts and the first MAX_STORED_ERRORS bad rows in a
    RosterResult, as import-export reports them.
    """

    name = fields.Field("name", NAME, TextWidget(50, NAME, plain=True), saves_null_values=False)
    id_number = fields.Field("id_number", ID_NUMBER, IdNumberWidget(), saves_null_values=False)
    gender = fields.Field("gender", GENDER, ChoiceWidget(Gender, GENDER), saves_null_values=False)
    phone = fields.Field("phone", PHONE, PhoneWidget(), saves_null_values=False)
    org_unit = fields.Field("org_unit", UNIT, UnitWidget(), saves_null_values=False)
    department = fields.Field("department", DEPARTMENT, DepartmentWidget(), saves_null_values=False)
    joined_on = fields.Field("joined_on", JOINED_ON, ExcelDateWidget(JOINED_ON), saves_null_values=False)
    member_no = fields.Field("member_no", MEMBER_NO, TextWidget(32, MEMBER_NO, plain=True), saves_null_values=False)
    employment_type = fields.Field(
        "employment_type", EMPLOYMENT, ChoiceWidget(EmploymentType, EMPLOYMENT), saves_null_values=False
    )
    frontline = fields.Field("frontline", FRONTLINE, YesNoWidget(), saves_null_values=False)
    wage_base = fields.Field("wage_base", WAGE_BASE, MoneyWidget(), saves_null_values=False)
    # Checked against the 身份证号 when a file has it (our export does), never written.
    birth_date = fields.Field("birth_date", BIRTH_DATE, ExcelDateWidget(BIRTH_DATE), readonly=True)

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "gender",
            "phone",
            "org_unit",
            "department",
            "joined_on",
            "member_no",
            "employment_type",
            "frontline",
            "wage_base",
            "birth_date",
        ]
        import_id_fields = ["id_number"]
        instance_loader_class = MemberHashLoader
        # Member.full_clean() would run a duplicate query per row; the same checks are made in
        # bulk here (duplicates in the file, in the roster, gender/birth date, departments).
        clean_model_instances = False

    def __init__(
        self,
        *,
        org_unit: OrgUnit,
        on_progress: Callable[[int], None] | None = None,
        plan: "PlanWriter | None" = None,
    ) -> None:
        super().__init__()
        self.target = org_unit
        self.on_progress = on_progress
        # A dry run given a plan records what the commit would write (plan.py), so that the commit
        # can write it without reading and checking the file again while nothing has changed.
        self.plan = plan
        self.units: list[OrgUnit] = []
        self.departments: list[Department] = []
        self.existing: dict[str, tuple] = {}
        self.lock_existing = False  # a real run reads the file's existing members FOR UPDATE
        # (attribute, position in the row, widget, memo or None, compared field or None) of the
        # columns the file has
        self._columns: list[tuple[str, int, widgets.Widget, dict | None, int | None]] = []
        self.row_numbers: list[int] = []
        self.row_hashes: list[str | None] = []
        self.first_row_of: dict[str, int] = {}  # keyed hash → the first row with that number
        self.subtree_ids: set[int] = set()
        self._keep_numbers = False  # encrypt new numbers (a real run, or a dry run whose plan keeps them)
        # (units, departments, existing members) read beforehand (prefetch), not by the run itself
        self.prefetched: tuple[list[OrgUnit], list[Department], dict[str, tuple]] | None = None
        self._updated_at: datetime.datetime | None = None
        self._today = timezone.localdate()
        self._now = timezone.now()

    @classmethod
    def get_result_class(cls) -> type[Result]:
        return RosterResult

    def prefetch(self, hashes: list[str]) -> None:
        """Read now what the run would read (scope, and the members with these keyed hashes, FOR
        UPDATE): the run then sends no query (the connection may be busy elsewhere meanwhile)."""
        self.prefetched = (*import_scope(self.target), existing_members(hashes, lock=True))

    def import_table(self, table: RosterTable, *, dry_run: bool) -> RosterResult:
        """Run the rows through import_data; `table.row_numbers` name the rows in errors."""
        self.row_numbers = table.row_numbers
        self.fields["joined_on"].widget.epoch = self.fields["birth_date"].widget.epoch = table.epoch
        self.fields["id_number"].widget.today = self._today
        self.lock_existing = not dry_run
        if dry_run:
            # import_data() would wrap a dry run in a transaction and roll it back. Ours writes
            # nothing, and its progress updates must be seen by the status page while it runs:
            # so no transaction at all.
            return self.import_data_inner(
                table, dry_run=True, raise_errors=False, using_transactions=False, collect_failed_rows=False
            )
        # The real run lives in the caller's transaction (which rolls everything back on any
        # invalid row), its writes in a savepoint of their own.
        return self.import_data(table, dry_run=False, use_transactions=True, raise_errors=False)

    # Whole file, before the first row: the lookups every row needs, in a fixed number of queries.
    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        if self.prefetched is not None:
            units, departments = self.prefetched[:2]
        else:
            units, departments = import_scope(self.target)
        self.units, self.departments = units, departments
        self.subtree_ids = {unit.pk for unit in units if unit.path.startswith(self.target.path)}
        self.fields["org_unit"].widget.bind(self.target, units)
        self.fields["department"].widget.bind(units, departments)
        present = set(dataset.headers)
        self._columns = [
            (
                name,
                dataset.headers.index(f.column_name),
                f.widget,
                {} if name in _MEMOIZED else None,
                _SLOTS.get(name),
            )
            for name, f in self.fields.items()
            if f.column_name in present
        ]
        self.row_hashes, self.first_row_of = [], {}
        column = dataset.headers.index(ID_NUMBER)
        for number, values in zip(self.row_numbers, dataset, strict=True):
            raw = values[column]
            text = "" if isinstance(raw, Decimal) else normalize_id_number(cell_text(raw))
            if ID_NUMBER_FORMAT.fullmatch(text):
                digest = crypto.keyed_hash(text)
                self.row_hashes.append(digest)
                self.first_row_of.setdefault(digest, number)
            else:
                self.row_hashes.append(None)

    def import_data_inner(
        self,
        dataset: Any,
        dry_run: bool,
        raise_errors: bool,
        using_transactions: bool,
        collect_failed_rows: bool,
        **kwargs: Any,
    ) -> RosterResult:
        """Check every row of `dataset` (a RosterTable: headers, len() and the rows in order, as
        a tablib Dataset has them); a dry run hands the valid ones to the plan (if any), a real run writes
        them: on PostgreSQL the new members stream into one COPY while the rows are checked (the
        server indexes them on the other core meanwhile), the changed ones follow with one
        UPDATE … FROM. A real run with an invalid row writes nothing (the COPY is abandoned)."""
        result = RosterResult()
        result.total_rows = len(dataset)
        try:
            self.before_import(dataset, **kwargs)
            self._meta.instance_loader_class(self, dataset)  # fetches self.existing
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
            return result
        self._keep_numbers = not dry_run or (self.plan is not None and getattr(self.plan, "keeps_ciphers", True))
        self._updated_at = None if dry_run else self._now  # neither COPY nor bulk_update sets auto_now
        rows = self._checked_rows(dataset, result, raise_errors)
        if dry_run:
            plan = self.plan
            for kind, values in rows:
                if plan is not None:
                    plan.add(values, kind is NEW)
            return result
        self._write(rows, result, raise_errors)
        return result

    def _checked_rows(self, dataset: Any, result: RosterResult, raise_errors: bool) -> Iterator[tuple[str, list]]:
        """(NEW or CHANGED, the row's values) of each valid row that changes something; counts
        every row in result.totals and keeps the invalid ones (RosterResult keeps the first)."""
        totals = result.totals
        check_row = self.check_row
        on_progress = self.on_progress
        invalid = RowResult.IMPORT_TYPE_INVALID
        for index, values in enumerate(dataset):
            number = index + 1
            try:
                kind, written = check_row(index, values)
            except ValidationError as error:
                totals[invalid] += 1
                result.append_invalid_row(number, values, error)
                if raise_errors:
                    raise exceptions.ImportError(error, number=number, row=values) from None
            except Exception as error:  # a bug, not the file: reported as 系统无法处理这一行
                totals[RowResult.IMPORT_TYPE_ERROR] += 1
                result.append_error_row(number, values, [Error(error, number=number)])
                if raise_errors:
                    raise
            else:
                totals[kind] += 1
                if written is not None:
                    yield kind, written
            if on_progress is not None and number % PROGRESS_EVERY == 0:
                on_progress(number)

    def check_row(self, index: int, values: tuple) -> tuple[str, list | None]:
        """One row: (NEW, its COPY_ATTNAMES values), (CHANGED, its UPDATE_ATTNAMES values) or
        (UNCHANGED, None); ValidationError {attribute: [errors]} for a row that may not be
        written. What Member.clean(), the constraints and the rules of an import refuse, all in
        memory, no query. An empty cell leaves the value as it is (saves_null_values=False)."""
        digest = self.row_hashes[index]
        loaded = self.existing.get(digest) if digest is not None else None
        if loaded is None:
            compared = _BLANK_COMPARED.copy()
        else:
            original = _take_compared(loaded)
            compared = list(original)
        errors: dict[str, list] = {}
        cleaned: dict[str, Any] = {}
        # Each present cell through its widget, the value into its compared field (slot); the
        # unit and the department are put there as ids after the loop.
        for attribute, position, widget, memo, slot in self._columns:
            value = values[position]
            if value is None or value == "":
                continue
            if memo is None:
                try:
                    value = widget.clean(value)
                except ValueError as exc:
                    errors[attribute] = [ValidationError(str(exc))]
                    continue
            else:
                if slot == _DEPARTMENT_INDEX:  # looked up among the row's unit's departments
                    unit = cleaned.get("org_unit")
                    key = (None if unit is None else unit.id, value.__class__, value)
                else:
                    unit = None
                    key = value if value.__class__ is str else (value.__class__, value)
                try:
                    cached = memo.get(key, _MISSING)
                except TypeError:  # unhashable: Decimal("sNaN") in an .xlsx number cell
                    key, cached = None, _MISSING
                if cached is _MISSING:
                    try:
                        cached = widget.clean(value, unit=unit)
                    except ValueError as exc:
                        cached = _Refused(str(exc))
                    if key is not None and len(memo) < _MEMO_LIMIT:
                        memo[key] = cached
                if cached.__class__ is _Refused:
                    errors[attribute] = [ValidationError(str(cached))]
                    continue
                value = cached
            if value is not None:
                cleaned[attribute] = value
                if slot is not None:
                    compared[slot] = value
        unit = cleaned.get("org_unit")
        if unit is not None:
            compared[_UNIT_INDEX] = unit.id  # .id, not .pk: a property call per row
        department = cleaned.get("department")
        if department is not None:
            compared[_DEPARTMENT_INDEX] = department.id

        def add(attribute: str, message: str) -> None:
            errors.setdefault(attribute, []).append(ValidationError(message))

        number = self.row_numbers[index]
        for attribute, column in (("name", NAME), ("id_number", ID_NUMBER), ("org_unit", UNIT)):
            if attribute not in errors and attribute not in cleaned:
                add(attribute, gettext("%(column)s不能为空。") % {"column": column})
        if EXAMPLE_MARK in cleaned.get("name", ""):
            add("name", gettext("这是模板里的示例行，请删除后再导入。"))
        info: IdNumberInfo | None = cleaned.get("id_number")
        stated_birth_date = cleaned.get("birth_date")
        if (
            loaded is not None
            and unit is not None
            and department is None
            and compared[_DEPARTMENT_INDEX]
            and not self.fields["department"].widget.belongs(compared[_DEPARTMENT_INDEX], unit)
        ):
            add(
                "department",
                gettext("该会员现在的部门不属于“%(unit)s”所在的基层工会，请同时填写新的部门。") % {"unit": unit},
            )
        if info is None:  # its error is in `errors` already
            raise ValidationError(errors)
        first = self.first_row_of.get(digest, number)
        if first != number:
            add("id_number", gettext("身份证号与第 %(row)d 行重复。") % {"row": first})
        if loaded is not None and loaded[_LOADED_UNIT] not in self.subtree_ids:
            add("id_number", gettext("该身份证号已登记在其他单位，请走转会流程。"))
        if "gender" in cleaned and cleaned["gender"] != info.gender:
            add(
                "gender",
                gettext("性别与身份证号不符：身份证号第17位表示%(gender)s。") % {"gender": Gender(info.gender).label},
            )
        if stated_birth_date is not None and stated_birth_date != info.birth_date:
            add(
                "birth_date",
                gettext("出生日期与身份证号不符：身份证号中的出生日期是 %(date)s。")
                % {"date": info.birth_date.isoformat()},
            )
        birth = info.birth_date  # an existing member's too: the matched number says it
        joined = cleaned.get("joined_on")
        if joined is not None:
            if joined < birth:
                add(
                    "joined_on",
                    gettext("入会日期 %(joined)s 早于出生日期 %(birth)s。")
                    % {"joined": joined.isoformat(), "birth": birth.isoformat()},
                )
            elif joined > self._today:
                add("joined_on", gettext("入会日期 %(joined)s 晚于今天。") % {"joined": joined.isoformat()})
        if errors:
            raise ValidationError(errors)
        if loaded is not None:
            if tuple(compared) == original:
                return UNCHANGED, None
            return CHANGED, [loaded[_LOADED_ID], *compared, self._updated_at]
        compared[_GENDER_INDEX] = compared[_GENDER_INDEX] or info.gender
        rest = _BLANK_REST.copy()
        rest[_REST_BIRTH_DATE] = birth
        rest[_REST_UPDATED_AT] = self._updated_at
        # What Member's id_number setter does, with the keyed hash made once per row in
        # before_import instead of again here; encrypting costs: only for rows that are kept.
        rest[_REST_HASH] = digest
        rest[_REST_MASKED] = mask_id_number(info.number)
        if self._keep_numbers:
            rest[_REST_CIPHER] = crypto.encrypt(info.number)
        compared += rest
        return NEW, compared

    def _write(self, rows: Iterator[tuple[str, list]], result: RosterResult, raise_errors: bool) -> None:
        """The real run's writes, each kind in a savepoint of its own, entered inside the try: a
        failure (a number someone registered meanwhile: the unique index) is reported in
        result.base_errors and the caller rolls everything back. The new members are written as
        the rows are checked; the changed ones (kept in memory: a list per row) after."""
        changed: list[list] = []
        postgresql = connection.vendor == "postgresql"

        def new_rows() -> Iterator[list]:
            for kind, values in rows:
                if kind is NEW:
                    yield values
                else:
                    changed.append(values)
            if result.invalid_rows or result.error_rows:
                raise _Abandon  # aborts the COPY: nothing of an invalid file is written

        try:
            with transaction.atomic():
                if postgresql:
                    copy_new_members(new_rows())
                else:
                    for batch in batched(new_rows(), _BATCH):
                        Member.objects.bulk_create([_member(COPY_ATTNAMES, values) for values in batch])
        except _Abandon:
            return
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
            deque(rows, maxlen=0)  # the remaining rows are still checked and counted
            return
        if not changed:
            return
        try:
            with transaction.atomic():
                if postgresql:
                    copy_changed_members(changed)
                else:
                    for batch in batched(changed, _BATCH):
                        members = [_member(UPDATE_ATTNAMES, values) for values in batch]
                        Member.objects.bulk_update(members, [*COMPARED_FIELDS, "updated_at"])
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        # ModelResource resets the id sequence here (for imports that carry ids); ours never do.
        pass

    def stamp(self) -> str:
        """The roster stamp of what this run's checks read (see roster_stamp)."""
        return roster_stamp(
            target=self.target,
            today=self._today,
            units=self.units,
            departments=self.departments,
            existing=self.existing,
        )


def _member(attnames: list[str], values: list[Any]) -> Member:
    """A Member from a row's values, for bulk_create and bulk_update (no COPY)."""
    return Member(**dict(zip(attnames, values, strict=True)))


_FIELD_COLUMNS = {
    "name": NAME,
    "id_number": ID_NUMBER,
    "gender": GENDER,
    "phone": PHONE,
    "org_unit": UNIT,
    "department": DEPARTMENT,
    "joined_on": JOINED_ON,
    "member_no": MEMBER_NO,
    "employment_type": EMPLOYMENT,
    "frontline": FRONTLINE,
    "wage_base": WAGE_BASE,
    "birth_date": BIRTH_DATE,
}


def row_errors(result: RosterResult, row_numbers: list[int]) -> list[dict[str, Any]]:
    """[{"row": 12, "field": "所属工会", "message": "…"}], in file order, at most MAX_STORED_ERRORS."""
    order = {column: i for i, column in enumerate([*COLUMNS, BIRTH_DATE])}
    errors = []
    for index, error in result.invalid_rows:
        try:
            by_field = error.message_dict
        except AttributeError:
            by_field = {NON_FIELD_ERRORS: error.messages}
        row = []
        for attribute, messages in by_field.items():
            column = _FIELD_COLUMNS.get(attribute, "")
            row.extend({"row": row_numbers[index - 1], "field": column, "message": m} for m in messages)
        errors.extend(sorted(row, key=lambda e: order.get(e["field"], 99)))
    for error_row in result.error_rows:
        for error in error_row.errors:
            logger.error("roster import: row %s failed", error_row.number, exc_info=error.error)
        errors.append(
            {"row": row_numbers[error_row.number - 1], "field": "", "message": gettext("系统无法处理这一行。")}
        )
    errors.sort(key=lambda e: e["row"])
    return errors[:MAX_STORED_ERRORS]


def result_counts(result: RosterResult) -> dict[str, int]:
    totals = result.totals
    return {
        "new_count": totals[RowResult.IMPORT_TYPE_NEW],
        "changed_count": totals[RowResult.IMPORT_TYPE_UPDATE],
        "unchanged_count": totals[RowResult.IMPORT_TYPE_SKIP],
        "invalid_count": totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR],
    }
