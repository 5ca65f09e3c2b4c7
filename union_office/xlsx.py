"""Formatted .xlsx reports (会员名册, 收支明细, 慰问发放表 ...) written with openpyxl.

One writer for every report so they all look alike and share the same safety rules:

* No live formulas. Every cell holds a value; totals are computed by the caller (from the database,
  with Decimal) and written as numbers. A workbook with formulas shows stale or empty results in
  viewers that do not recalculate (previews, WPS on phones, import tools), and a formula is exactly
  what formula injection smuggles in, so "no cell of type f" is a property the tests can check.
* Text that a spreadsheet could take for a formula (=, +, -, @, tab, CR at the start) is escaped by
  `safe_cell`, because exported text is user input (names, remarks, motion titles) and the file is
  opened by people whose spreadsheet may run it, or who copy it into another one.
* Numbers stay numbers (a negative Decimal amount is not text), so the exported sums can be checked.

Rows are streamed with openpyxl's write-only mode: each row goes to a temporary file (under the
system temp dir) as it is produced, so a report of a few hundred thousand rows read with
`QuerySet.iterator()` does not hold them all in memory. Only the finished .xlsx (zipped, much
smaller) is returned as bytes.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from itertools import groupby
from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # the type of write-only sheets; no public alias
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["XLSX_CONTENT_TYPE", "Column", "ColumnKind", "safe_cell", "write_report", "xlsx_response"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ColumnKind = Literal["text", "money", "int", "date", "percent"]

# Characters that make a spreadsheet treat a typed or pasted value as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CellValue = str | int | float | Decimal | dt.date | dt.datetime | dt.time | None

NUMBER_FORMATS: dict[ColumnKind, str] = {
    "text": "@",
    "money": "#,##0.00",
    "int": "#,##0",
    "date": "yyyy-mm-dd",
    "percent": "0.00%",
}
ALIGNMENTS: dict[ColumnKind, Alignment] = {
    "text": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "money": Alignment(horizontal="right", vertical="center"),
    "int": Alignment(horizontal="right", vertical="center"),
    "date": Alignment(horizontal="center", vertical="center"),
    "percent": Alignment(horizontal="right", vertical="center"),
}
THIN = Side(style="thin", color="000000")
TABLE_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")


@dataclass(frozen=True, slots=True)
class Column:
    """One report column.

    `kind` picks the number format and alignment; percent values are fractions (0.125 shows as
    12.50%). Adjacent columns with the same `group` get a shared, merged title above their own,
    making a two-level header (e.g. 会费 over 应缴 / 实缴).
    """

    title: str
    width: int = 14
    kind: ColumnKind = "text"
    group: str | None = None


def safe_cell(value: Any) -> CellValue:
    """Return `value` as something safe to store in a cell.

    Strings starting with = + - @ tab or CR get a leading ' so they are literal text however the
    file is opened or copied (the apostrophe stays visible: that is the point, the reader sees what
    was typed). Characters that XML cannot carry are dropped instead of failing the whole export.
    Numbers, dates and None pass through unchanged, so -12.50 stays a number. Anything else (lazy
    translations, UUIDs, model instances) is exported as its text, escaped the same way.
    """
    if value is None or isinstance(value, int | float | Decimal | dt.date | dt.time):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _excel_value(value: Any) -> CellValue:
    """`safe_cell`, plus the conversions openpyxl needs: Excel has no time zones, so aware
    datetimes are written in the local time zone (Asia/Shanghai), as users read them in the app."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)
    return safe_cell(value)


class _ReportSheet:
    """Streams styled cells into one write-only sheet; keeps write_report readable.

    Styling a cell through openpyxl's attributes hashes every style object on every assignment,
    which took most of the time of a large export. Each combination used here is styled once and
    its style array (the style ids) is reused for every cell; what remains is openpyxl's XML writer
    (about 30,000 cells a second without lxml).
    """

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.row = 0
        self._styles: dict[tuple[str, ColumnKind], StyleArray] = {}

    def _style(self, role: str, kind: ColumnKind) -> StyleArray:
        key = (role, kind)
        if key not in self._styles:
            sample = Cell(self.ws)
            sample.number_format = NUMBER_FORMATS[kind]
            sample.alignment = ALIGNMENTS[kind]
            if role in {"title", "meta_left", "meta_right"}:
                sample.alignment = {"title": TITLE_ALIGNMENT, "meta_left": LEFT, "meta_right": RIGHT}[role]
            else:
                sample.border = TABLE_BORDER
            if role == "title":
                sample.font = TITLE_FONT
            if role in {"header", "total"}:
                sample.font = BOLD
            if role == "header":
                sample.alignment = HEADER_ALIGNMENT
                sample.fill = HEADER_FILL
            self._styles[key] = sample._style
        return self._styles[key]

    def cell(self, value: Any = None, role: str = "data", kind: ColumnKind = "text") -> Cell:
        """A cell for `value` with the style of `role` (title, meta_left, meta_right, header, data, total)."""
        cell = Cell(self.ws, row=1, column=1, value=_excel_value(value), style_array=self._style(role, kind))
        if cell.data_type == "f":  # unreachable after safe_cell; a second lock, cheap to keep
            cell.data_type = "s"
        return cell

    def append(self, cells: list[Cell]) -> int:
        self.ws.append(cells)
        self.row += 1
        return self.row

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merged_cells.add(
                CellRange(min_row=first_row, min_col=first_col, max_row=last_row, max_col=last_col)
            )


def write_report(
    *,
    title: str,
    unit: str,
    period: str,
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None = None,
    sheet_title: str = "报表",
) -> bytes:
    """Write a one-sheet report and return the .xlsx bytes.

    Layout: row 1 the title, row 2 单位 (left) and 期间 (right), then the header (two rows when any
    column has a group), the data rows, and an optional bold 合计 row. Every row, `totals` included,
    has one value per column. `totals` must hold the computed totals (None for blank cells); the
    合计 label goes into the first text column when its total is None. Print setup is A4 landscape,
    fitted to one page wide, repeating the header on every page; panes are frozen below the header.

    `rows` may be a generator: it is consumed once, row by row (see the module docstring for memory).
    """
    if not columns:
        raise ValueError("A report needs at least one column")
    if totals is not None and len(totals) != len(columns):
        raise ValueError(f"totals has {len(totals)} values for {len(columns)} columns")

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title=sheet_title)
    buffer = BytesIO()
    try:
        _write_sheet(ws, title=title, unit=unit, period=period, columns=columns, rows=rows, totals=totals)
        workbook.save(buffer)
    except BaseException:
        # A half-written write-only sheet keeps a suspended generator and a temp file; saving into a
        # throwaway buffer is the public way to close both (openpyxl removes its temp files on save).
        with contextlib.suppress(Exception):
            workbook.save(BytesIO())
        raise
    return buffer.getvalue()


def _write_sheet(
    ws: WriteOnlyWorksheet,
    *,
    title: str,
    unit: str,
    period: str,
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None,
) -> None:
    """Stream the rows of `write_report` into `ws`, in order, as write-only mode requires."""
    sheet = _ReportSheet(ws)
    width = len(columns)
    two_level = any(column.group for column in columns)

    # Everything about the sheet's columns, views and printing must be set before the first row
    # is streamed: write-only mode writes the sheet header with the first append.
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_first = 3
    header_last = header_first + (1 if two_level else 0)
    ws.freeze_panes = f"A{header_last + 1}"
    ws.print_title_rows = f"{header_first}:{header_last}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # without it Excel ignores fitToWidth
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = gettext("第 &P 页 / 共 &N 页")

    # Row 1: title across the table.
    ws.row_dimensions[1].height = 30  # row attributes are written with the row, so set before it
    title_row = sheet.append([sheet.cell(title, "title")])
    sheet.merge(title_row, 1, title_row, width)

    # Row 2: unit on the left half, period on the right half.
    unit_text = gettext("单位：%(unit)s") % {"unit": unit}
    period_text = gettext("期间：%(period)s") % {"period": period}
    if width == 1:
        sheet.append([sheet.cell(f"{unit_text}  {period_text}", "meta_left")])
    else:
        split = (width + 1) // 2
        meta_row = sheet.append(
            [sheet.cell(unit_text, "meta_left")]
            + [sheet.cell(None, "meta_left") for _ in range(split - 1)]
            + [sheet.cell(period_text, "meta_right")]
            + [sheet.cell(None, "meta_right") for _ in range(width - split - 1)]
        )
        sheet.merge(meta_row, 1, meta_row, split)
        sheet.merge(meta_row, split + 1, meta_row, width)

    # Header: grouped columns share a merged group title; ungrouped ones span both header rows.
    if two_level:
        top, bottom = [], []
        for column in columns:
            top.append(sheet.cell(column.group or column.title, "header"))
            bottom.append(sheet.cell(None if column.group is None else column.title, "header"))
        sheet.append(top)
        sheet.append(bottom)
        index = 1
        for group, members in groupby(columns, key=lambda column: column.group):
            span = len(list(members))
            if group is None:
                for offset in range(span):
                    sheet.merge(header_first, index + offset, header_last, index + offset)
            else:
                sheet.merge(header_first, index, header_first, index + span - 1)
            index += span
    else:
        sheet.append([sheet.cell(column.title, "header") for column in columns])

    for values in rows:
        if len(values) != width:
            raise ValueError(f"Row {sheet.row + 1} has {len(values)} values for {width} columns")
        sheet.append([sheet.cell(value, "data", column.kind) for column, value in zip(columns, values, strict=True)])

    if totals is not None:
        totals = list(totals)
        label_index = next((i for i, column in enumerate(columns) if column.kind == "text"), None)
        if label_index is not None and totals[label_index] is None:
            totals[label_index] = gettext("合计")
        sheet.append([sheet.cell(value, "total", column.kind) for column, value in zip(columns, totals, strict=True)])


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """Wrap .xlsx bytes in a download response.

    The filename may be Chinese (会员名册.xlsx): Django's content_disposition_header encodes it as
    RFC 5987 filename*=utf-8''..., which browsers decode. Exports carry personal data, so the
    response must not be kept by shared caches or the browser cache.
    """
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
