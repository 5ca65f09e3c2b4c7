"""The first sheet of an uploaded workbook (.xlsx, .xls or .ods), read with python-calamine.

One reader for every upload that brings a table (the roster import, the ledger import): calamine
is a maintained Rust reader that reads the three formats, converts date cells to dates itself
(also in the 1904 date system of Excel for Mac) and gives cached values for formula cells (the
callers refuse formulas before reading, see `sheet_scan`).

Bounds: calamine builds the sheet as one dense grid from its first to its last cell, so a tiny
file with cells at A1 and XFD1048576 would ask for 17 billion cells. `sheet_scan` checks the cell
references of an .xlsx before calamine sees it; an .ods (whose repeated cells calamine expands)
and an .xls are bounded by the sizes of their own formats and by the zip-bomb check.
"""

import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

MAX_COLUMNS = 702  # up to column ZZ: no table of ours is wider
_PREFIX = rb"<(?:[A-Za-z_][\w.\-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row(?=[\s>/])")
_FORMULA_TAG = re.compile(_PREFIX + rb"f(?=[\s>/])")
_CELL_REF = re.compile(_PREFIX + rb'c\s[^>]*?\br="([A-Z]{1,3}\d+)"')
_WIDE_CELL = re.compile(rb'\br="[A-Z]{3}\d')  # column AAA or further
_ROW_NUMBER = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?row\s[^>]*?\br="(\d+)"')
_ODS_FORMULA = re.compile(rb'table:formula="')
_DIMENSION = re.compile(_PREFIX + rb'dimension\s+ref="[A-Z]{0,3}\d*:?[A-Z]{0,3}(\d+)"')


@dataclass
class SheetScan:
    """What the upload check learns from the sheet's XML without reading its values."""

    rows: int
    last_row: int
    formula_cell: str | None  # the reference of the first formula cell ("K3"), "" if unknown


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The part name of an .xlsx's first sheet, from the workbook and its relationships."""
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    match = re.search(rb'<(?:\w+:)?sheet\s[^>]*?\br:id="([^"]+)"', workbook) or re.search(
        rb'<(?:\w+:)?sheet\s[^>]*?\bid="([^"]+)"', workbook
    )
    rel_id = match.group(1).decode() if match else None
    for relationship in re.finditer(r"<Relationship\s[^>]*>", rels):
        tag = relationship.group(0)
        if f'Id="{rel_id}"' in tag:
            found = re.search(r'Target="([^"]+)"', tag)
            if found is None:
                continue
            target = found.group(1)
            parts: list[str] = []
            for part in (target.lstrip("/") if target.startswith("/") else f"xl/{target}").split("/"):
                if part == "..":
                    if parts:
                        parts.pop()
                elif part not in {"", "."}:
                    parts.append(part)
            return "/".join(parts)
    raise KeyError("first sheet")


def sheet_scan(stream: IO[bytes], kind: str, *, max_rows: int) -> SheetScan:
    """One streaming pass over the first sheet's XML (.xlsx) or the content (.ods): the row count
    and the first formula. Raises ValidationError for a sheet too wide or too long to read.
    An .xls (binary) is not scanned: its format holds at most 65,536 rows and 256 columns."""
    too_many = ValidationError(_("工作表行数超过上限。"), code="too_many_rows")
    stream.seek(0)
    rows = last_row = 0
    formula = None
    with zipfile.ZipFile(stream) as archive:
        part = "content.xml" if kind == "ods" else _first_sheet_part(archive)
        with archive.open(part) as sheet:
            carry = b""
            while True:
                chunk = sheet.read(1024 * 1024)
                buffer = carry + chunk
                # Cut before the last "<" so that no tag is split between two chunks.
                cut = buffer.rfind(b"<") if chunk else len(buffer)
                cut = len(buffer) if cut <= 0 else cut
                part_bytes, carry = buffer[:cut], buffer[cut:]
                dimension = _DIMENSION.search(part_bytes) if not rows and kind == "xlsx" else None
                if dimension and int(dimension.group(1)) > max_rows:  # declared before the rows
                    raise too_many
                if kind == "ods":
                    found = _ODS_FORMULA.search(part_bytes)
                    if found and formula is None:
                        formula = ""
                else:
                    rows += len(_ROW_TAG.findall(part_bytes))
                    numbers = _ROW_NUMBER.findall(part_bytes)
                    if numbers:
                        last_row = max(last_row, int(numbers[-1]))
                    if _WIDE_CELL.search(part_bytes):
                        raise ValidationError(_("工作表的列数超过上限。"), code="too_wide")
                    found = _FORMULA_TAG.search(part_bytes) if b"f" in part_bytes else None
                    if found and formula is None:
                        cell = _CELL_REF.match(part_bytes, part_bytes.rfind(b"<", 0, found.start()))
                        formula = cell.group(1).decode() if cell else ""
                if max(rows, last_row) > max_rows:
                    raise too_many
                if not chunk:
                    break
    stream.seek(0)
    return SheetScan(rows=rows, last_row=last_row, formula_cell=formula)


def cell_value(value: Any) -> Any:
    """A calamine cell as the importers take it: None for an empty cell, numbers as Decimal
    (exact: 5000.5 stays 5000.5, an 18-digit number shows its lost digits), dates as dates."""
    if value.__class__ is str:
        return value or None
    if value.__class__ is float or value.__class__ is int:
        return Decimal(repr(value))
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    return value  # date, time, timedelta, bool


def first_sheet_rows(stream: IO[bytes], *, max_columns: int = MAX_COLUMNS) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, values) of the first sheet's rows, empty rows
    skipped. Raises ValidationError (Chinese) for a file calamine cannot read."""
    stream.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheet = workbook.get_sheet_by_index(0)
    except PasswordError:
        raise ValidationError(_("文件设置了打开密码，请取消密码后再上传。"), code="password") from None
    except (CalamineError, ValueError, OSError) as exc:
        raise ValidationError(_("文件已损坏，或不是可以读取的表格文件。"), code="unreadable") from exc
    if sheet.width > max_columns:
        raise ValidationError(_("工作表的列数超过上限。"), code="too_wide")
    first = sheet.start[0] if sheet.start else 0
    for index, values in enumerate(sheet.iter_rows()):
        row = [cell_value(value) for value in values]
        while row and row[-1] is None:
            row.pop()
        if row:
            yield first + index + 1, row
