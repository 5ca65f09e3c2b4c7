"""Checking a roster file's rows and writing them: one 花名册 row ↔ one Member, matched by 身份证号.

`RosterCheck` checks every row in memory (what Member.clean(), the constraints and the rules of an
import refuse) with a fixed number of queries per batch of rows: the target subtree's units and
departments once, the batch's existing members (by keyed hash of the 身份证号 under every key of
FIELD_ENCRYPTION_KEYS, so a key rotation under way duplicates no one) once per batch. A commit
reads those members FOR UPDATE and writes each batch as it goes: new members with one COPY on
PostgreSQL (bulk_create elsewhere), changed ones with one UPDATE … FROM a COPied temporary table
(bulk_update elsewhere). An empty optional cell keeps the member's value.

django-import-export is not on this path: its row loop builds a Member, a RowResult and a
savepoint per row, several times the cost of the checks (docs/roster-import-export.md).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import batched
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from union_office import crypto

from ..idcard import ID_NUMBER_FORMAT, IdNumberInfo, mask_id_number, normalize_id_number
from ..models import Department, Education, EmploymentType, Ethnicity, Gender, Member, OrgUnit, PoliticalStatus
from .files import (
    BIRTH_DATE,
    CARD_NO,
    COLUMNS,
    DEPARTMENT,
    EDUCATION,
    EMPLOYMENT,
    ETHNICITY,
    EXAMPLE_MARK,
    FRONTLINE,
    GENDER,
    ID_NUMBER,
    JOINED_ON,
    MAX_STORED_ERRORS,
    MEMBER_NO,
    NAME,
    PHONE,
    POLITICAL_STATUS,
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

BATCH = 2_000  # rows per lookup of existing members and per write


EDUCATION_SHORT = {"博士": "doctor", "硕士": "master", "本科": "bachelor", "大专": "college", "中专": "secondary"}


def _widgets() -> dict[str, Any]:
    """column → (Member attribute, its widget, whether the column repeats its values)."""
    return {
        NAME: ("name", TextWidget(50, NAME, plain=True), False),
        ID_NUMBER: ("id_number", IdNumberWidget(), False),
        GENDER: ("gender", ChoiceWidget(Gender, GENDER), True),
        PHONE: ("phone", PhoneWidget(), False),
        UNIT: ("org_unit", UnitWidget(), True),
        DEPARTMENT: ("department", DepartmentWidget(), True),
        JOINED_ON: ("joined_on", ExcelDateWidget(JOINED_ON), True),
        MEMBER_NO: ("member_no", TextWidget(32, MEMBER_NO, plain=True), False),
        EMPLOYMENT: ("employment_type", ChoiceWidget(EmploymentType, EMPLOYMENT), True),
        FRONTLINE: ("frontline", YesNoWidget(), True),
        WAGE_BASE: ("wage_base", MoneyWidget(), True),
        # Issue 18's roster columns. 民族 also as written without 族 (汉, 回); 文化程度 and 政治面貌
        # also by their common short names.
        CARD_NO: ("card_no", TextWidget(32, CARD_NO, plain=True), False),
        ETHNICITY: (
            "ethnicity",
            ChoiceWidget(Ethnicity, ETHNICITY, extra={name.removesuffix("族"): name for name in Ethnicity.values}),
            True,
        ),
        EDUCATION: ("education", ChoiceWidget(Education, EDUCATION, extra=EDUCATION_SHORT), True),
        POLITICAL_STATUS: (
            "political_status",
            ChoiceWidget(PoliticalStatus, POLITICAL_STATUS, extra={"党员": "party_member", "团员": "league_member"}),
            True,
        ),
        # Checked against the 身份证号 when a file has it (our export does), never written.
        BIRTH_DATE: ("birth_date", ExcelDateWidget(BIRTH_DATE), True),
    }


# The fields an import may change: compared for 无变化, written for a changed member.
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
    "card_no",
    "ethnicity",
    "education",
    "political_status",
]
_LOADED = ["id", "org_unit_id", *COMPARED_FIELDS]  # what is fetched of an existing member
_COLUMN_OF = {attribute: column for column, (attribute, _w, _r) in _widgets().items()}
_ORDER = {column: i for i, column in enumerate([*COLUMNS, BIRTH_DATE])}
# A new member's row: every column but the id and those the database fills (created_at).
NEW_FIELDS = [f for f in Member._meta.concrete_fields if not f.primary_key and not f.has_db_default()]
NEW_ATTNAMES = [f.attname for f in NEW_FIELDS]
_BLANK = {name: getattr(Member(), name) for name in NEW_ATTNAMES}
CHANGED_ATTNAMES = ["id", *COMPARED_FIELDS, "updated_at"]
_MEMO_LIMIT = 20_000  # distinct cells remembered per repeating column (a hostile file makes them all differ)
_MISSING = object()
# A memo key is the cell itself (with the row's unit for a department): 1, 1.0 and True are one
# key, and each column's widget reads them alike.


@dataclass
class CheckResult:
    """Row counts and the first MAX_STORED_ERRORS errors: [{"row", "field", "message"}]."""

    new_count: int = 0
    changed_count: int = 0
    unchanged_count: int = 0
    invalid_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "new_count": self.new_count,
            "changed_count": self.changed_count,
            "unchanged_count": self.unchanged_count,
            "invalid_count": self.invalid_count,
        }


def import_scope(target: OrgUnit) -> tuple[list[OrgUnit], list[Department]]:
    """The units a row may name (the target's subtree, and the units above it for the departments
    of a 基层工会) and their departments: two queries for the whole file."""
    ancestors = target.ancestor_paths()
    scope = Q(path__startswith=target.path) | Q(path__in=ancestors)
    units = list(OrgUnit.objects.filter(scope))
    unit_scope = Q(org_unit__path__startswith=target.path) | Q(org_unit__path__in=ancestors)
    return units, list(Department.objects.filter(unit_scope))


def existing_members(hashes: list[str], *, lock: bool = False) -> dict[str, tuple]:
    """keyed hash → the _LOADED values of the members with these numbers, in one query.

    With `lock` (a commit, inside its transaction) the rows are read FOR UPDATE: what was read stays
    what is there until the commit ends, so the values compared are the values overwritten.
    """
    if not hashes:
        return {}
    members = Member.objects.select_for_update(of=("self",)) if lock else Member.objects.all()
    if connection.vendor == "postgresql":  # one array parameter: psycopg parses 2,000 placeholders slowly
        column = f"{_quoted(Member._meta.db_table)}.{_quoted('id_number_hash')}"
        members = members.filter(RawSQL(f"{column} = ANY(%s)", (hashes,), output_field=BooleanField()))
    else:
        members = members.filter(id_number_hash__in=hashes)
    rows = members.order_by().values_list("id_number_hash", *_LOADED)
    return {row[0]: row[1:] for row in rows}


class RosterCheck:
    """The checks of one import into `target`; `write=True` (the commit) locks and writes."""

    def __init__(self, target: OrgUnit, *, write: bool = False) -> None:
        self.target, self.write = target, write
        self.today, self.now = timezone.localdate(), timezone.now()
        units, departments = import_scope(target)
        self.subtree_ids = {unit.pk for unit in units if unit.path.startswith(target.path)}
        self.widgets = _widgets()
        self.widgets[UNIT][1].bind(target, units)
        self.department_widget: DepartmentWidget = self.widgets[DEPARTMENT][1]
        self.department_widget.bind(units, departments)
        self.widgets[ID_NUMBER][1].today = self.today

    def run(self, table: RosterTable, on_progress: Callable[[int], None] | None = None) -> CheckResult:
        """Check every row; a commit also writes them, batch by batch, until a row fails (the
        caller then rolls the transaction back)."""
        result = CheckResult()
        # (attribute, position in the row, widget, memo of a repeating column or None)
        columns = [
            (attribute, table.headers.index(column), widget, {} if repeats else None)
            for column, (attribute, widget, repeats) in self.widgets.items()
            if column in table.headers
        ]
        id_position = table.headers.index(ID_NUMBER)
        # Each row's number under every configured key, the current one first: during a key
        # rotation a member rotate_field_key has not reached yet is found by an older key's hash.
        all_hashes = [_number_hashes(values[id_position]) for values in table.rows]
        hashes = [found[0] if found else None for found in all_hashes]
        first_row_of: dict[str, int] = {}
        for digest, number in zip(hashes, table.row_numbers, strict=True):
            if digest is not None:
                first_row_of.setdefault(digest, number)
        done = 0
        for batch in batched(range(len(table.rows)), BATCH):
            existing = _existing_by_current_hash([all_hashes[i] for i in batch if all_hashes[i]], lock=self.write)
            new, changed = [], []
            for index in batch:
                number, digest = table.row_numbers[index], hashes[index]
                loaded = existing.get(digest) if digest else None
                try:
                    kind, values = self._check_row(table.rows[index], columns, loaded, digest, number, first_row_of)
                except _RowInvalid as invalid:
                    result.invalid_count += 1
                    if len(result.errors) < MAX_STORED_ERRORS:
                        result.errors.extend(invalid.errors(number))
                    continue
                if kind == "new":
                    result.new_count += 1
                    new.append(values)
                elif kind == "changed":
                    result.changed_count += 1
                    changed.append(values)
                else:
                    result.unchanged_count += 1
            if self.write and not result.invalid_count:
                write_new_members(new)
                write_changed_members(changed)
            done += len(batch)
            if on_progress is not None and done // PROGRESS_EVERY != (done - len(batch)) // PROGRESS_EVERY:
                on_progress(done)
        result.errors = result.errors[:MAX_STORED_ERRORS]
        return result

    def _check_row(
        self,
        values: list[Any],
        columns: list[tuple[str, int, Any, dict | None]],
        loaded: tuple | None,
        digest: str | None,
        number: int,
        first_row_of: dict[str, int],
    ) -> tuple[str, list | None]:
        """("new", its NEW_ATTNAMES values), ("changed", its CHANGED_ATTNAMES values) or
        ("unchanged", None); _RowInvalid with the row's errors by attribute."""
        cleaned: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for attribute, position, widget, memo in columns:
            value = values[position]
            if value is None:
                continue
            if memo is None:
                try:
                    value = widget.clean(value)
                except ValueError as exc:
                    errors[attribute] = [str(exc)]
                    continue
            else:  # a repeating column: its widget asked once per distinct cell (an error too)
                unit = cleaned.get("org_unit") if attribute == "department" else None
                key = (value, unit) if unit is not None else value
                try:
                    cached = memo.get(key, _MISSING)
                except TypeError:  # unhashable: Decimal("sNaN") in a number cell
                    key, cached = None, _MISSING
                if cached is _MISSING:
                    try:
                        cached = widget.clean(value, unit=unit)
                    except ValueError as exc:
                        cached = _Refused(str(exc))
                    if key is not None and len(memo) < _MEMO_LIMIT:
                        memo[key] = cached
                if cached.__class__ is _Refused:
                    errors[attribute] = [str(cached)]
                    continue
                value = cached
            if value is not None:
                cleaned[attribute] = value

        def add(attribute: str, message: str) -> None:
            errors.setdefault(attribute, []).append(message)

        for attribute, column in (("name", NAME), ("id_number", ID_NUMBER), ("org_unit", UNIT)):
            if attribute not in errors and attribute not in cleaned:
                add(attribute, gettext("%(column)s不能为空。") % {"column": column})
        if EXAMPLE_MARK in cleaned.get("name", ""):
            add("name", gettext("这是模板里的示例行，请删除后再导入。"))
        compared = dict(zip(COMPARED_FIELDS, loaded[2:], strict=True)) if loaded else {}
        original = dict(compared)
        for attribute, value in cleaned.items():
            if attribute in {"org_unit", "department"}:
                compared[f"{attribute}_id"] = value.id
            elif attribute in COMPARED_FIELDS:
                compared[attribute] = value
        unit, department = cleaned.get("org_unit"), cleaned.get("department")
        if (
            loaded
            and unit is not None
            and department is None
            and compared["department_id"]
            and not self.department_widget.belongs(compared["department_id"], unit)
        ):
            add(
                "department",
                gettext("该会员现在的部门不属于“%(unit)s”所在的基层工会，请同时填写新的部门。") % {"unit": unit},
            )
        info: IdNumberInfo | None = cleaned.get("id_number")
        if info is None:  # its error is in `errors` already
            raise _RowInvalid(errors)
        first = first_row_of.get(digest, number)
        if first != number:
            add("id_number", gettext("身份证号与第 %(row)d 行重复。") % {"row": first})
        if loaded and loaded[1] not in self.subtree_ids:
            add("id_number", gettext("该身份证号已登记在其他单位，请走转会流程。"))
        if "gender" in cleaned and cleaned["gender"] != info.gender:
            label = Gender(info.gender).label
            add("gender", gettext("性别与身份证号不符：身份证号第17位表示%(gender)s。") % {"gender": label})
        stated_birth = cleaned.get("birth_date")
        if stated_birth is not None and stated_birth != info.birth_date:
            add(
                "birth_date",
                gettext("出生日期与身份证号不符：身份证号中的出生日期是 %(date)s。")
                % {"date": info.birth_date.isoformat()},
            )
        joined = cleaned.get("joined_on")
        if joined is not None and joined < info.birth_date:
            add(
                "joined_on",
                gettext("入会日期 %(joined)s 早于出生日期 %(birth)s。")
                % {"joined": joined.isoformat(), "birth": info.birth_date.isoformat()},
            )
        elif joined is not None and joined > self.today:
            add("joined_on", gettext("入会日期 %(joined)s 晚于今天。") % {"joined": joined.isoformat()})
        if errors:
            raise _RowInvalid(errors)
        if loaded:
            if compared == original:
                return "unchanged", None
            return "changed", [loaded[0], *(compared[name] for name in COMPARED_FIELDS), self.now]
        if not self.write:
            return "new", None
        compared["gender"] = compared.get("gender") or info.gender
        new = _BLANK | compared
        new |= {
            "birth_date": info.birth_date,
            "updated_at": self.now,
            "id_number_hash": digest,
            "id_number_masked": mask_id_number(info.number),
            "id_number_cipher": crypto.encrypt(info.number),  # costs: only when written
        }
        return "new", [new[name] for name in NEW_ATTNAMES]


class _Refused(str):
    """A remembered widget error: its message."""


class _RowInvalid(Exception):
    def __init__(self, by_attribute: dict[str, list[str]]) -> None:
        super().__init__("invalid row")
        self.by_attribute = by_attribute

    def errors(self, number: int) -> list[dict[str, Any]]:
        """The row's errors in the order of the file's columns."""
        rows = [
            {"row": number, "field": _COLUMN_OF.get(attribute, ""), "message": message}
            for attribute, messages in self.by_attribute.items()
            for message in messages
        ]
        return sorted(rows, key=lambda error: _ORDER.get(error["field"], 99))


def _number_hashes(raw: Any) -> list[str] | None:
    """The keyed hashes of a well-formed 身份证号 cell under every configured key, the current key's
    first (what Member.objects.with_id_number() filters on); None for a malformed cell."""
    text = "" if isinstance(raw, Decimal) else normalize_id_number(cell_text(raw))
    return crypto.keyed_hashes(text) if ID_NUMBER_FORMAT.fullmatch(text) else None


def _existing_by_current_hash(row_hashes: list[list[str]], *, lock: bool) -> dict[str, tuple]:
    """existing_members() for rows given by their hashes under every key, keyed by the current
    key's hash. A member found under the current key wins over one under an older key (two rows
    for one number can only be what an import before this fix wrote during a rotation)."""
    current_of = {digest: hashes[0] for hashes in row_hashes for digest in hashes}
    found = existing_members(sorted(current_of), lock=lock)
    existing: dict[str, tuple] = {}
    for digest, loaded in found.items():
        current = current_of[digest]
        if digest == current or current not in existing:
            existing[current] = loaded
    return existing


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def write_new_members(rows: list[list[Any]]) -> None:
    """INSERT the new members (NEW_ATTNAMES values each): one COPY on PostgreSQL, else bulk_create.
    psycopg's copy() is not wrapped by Django: its errors are turned into Django's here."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Member.objects.bulk_create([Member(**dict(zip(NEW_ATTNAMES, row, strict=True))) for row in rows])
        return
    columns = ", ".join(_quoted(f.column) for f in NEW_FIELDS)
    sql = f"COPY {_quoted(Member._meta.db_table)} ({columns}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def write_changed_members(rows: list[list[Any]]) -> None:
    """UPDATE the changed members (CHANGED_ATTNAMES values each): on PostgreSQL COPied into a
    temporary table and applied with one UPDATE … FROM (bulk_update's CASE per row and field is
    slow at this size); elsewhere bulk_update."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        members = [Member(**dict(zip(CHANGED_ATTNAMES, row, strict=True))) for row in rows]
        Member.objects.bulk_update(members, CHANGED_ATTNAMES[1:])
        return
    table, temporary = _quoted(Member._meta.db_table), _quoted("roster_import_update")
    columns = [_quoted(Member._meta.get_field(name).column) for name in CHANGED_ATTNAMES]
    listed = ", ".join(columns)
    assignments = ", ".join(f"{column} = u.{column}" for column in columns[1:])
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporary} ON COMMIT DROP AS "
            f"SELECT {listed} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {temporary}")
        with cursor.cursor.copy(f"COPY {temporary} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} AS m SET {assignments} FROM {temporary} AS u WHERE m.{columns[0]} = u.{columns[0]}"
        )
