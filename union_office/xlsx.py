"""Formatted .xlsx reports (会员名册, 收支明细, 慰问发放表 ...), written directly as SpreadsheetML.

One writer for every report so they all look alike and share the same safety rules:

* No live formulas. Every cell holds a value; totals are computed by the caller (from the database,
  with Decimal) and written as numbers. A workbook with formulas shows stale or empty results in
  viewers that do not recalculate (previews, WPS on phones, import tools), and a formula is exactly
  what formula injection smuggles in, so "no cell of type f" is a property the tests can check.
  This writer has no way to write one: a cell is an inline string, a number or a boolean.
* Text that a spreadsheet could take for a formula (=, +, -, @, tab, CR at the start) is escaped by
  `safe_cell`, because exported text is user input (names, remarks, motion titles) and the file is
  opened by people whose spreadsheet may run it, or who copy it into another one.
* Numbers stay numbers (a negative Decimal amount is not text), so the exported sums can be checked.

The package is written here with `zipfile`, not with openpyxl: its write-only mode builds an
object per cell and serialises it through ElementTree, many times slower for a 100,000-row roster
(figures in docs/performance.md, `bench/xlsx_writer.py`). The parts are small and fixed (content types,
relationships, the workbook with the print titles, one stylesheet holding every cell style the
reports use), except the sheet, which is deflated into the archive in chunks of rows as they are
produced: a report read with `QuerySet.iterator()` never holds its rows in memory. `write_report`
returns the finished .xlsx as bytes (zipped, much smaller than its rows; fine for a request);
`write_report_into` writes it into a binary file object instead, so a large export in Celery
goes to a temporary file and never holds the whole file in memory either. Strings are written
inline (t="inlineStr"), so there is no shared-strings table to keep until the end.
"""

import datetime as dt
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from itertools import chain, groupby, islice
from typing import IO, Any, Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

__all__ = [
    "XLSX_CONTENT_TYPE",
    "Column",
    "ColumnKind",
    "TotalRow",
    "safe_cell",
    "write_report",
    "write_report_into",
    "xlsx_response",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ColumnKind = Literal["text", "money", "int", "date", "percent"]

# Characters that make a spreadsheet treat a typed or pasted value as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CellValue = str | int | float | Decimal | dt.date | dt.datetime | dt.time | None

NUMBER_FORMATS: dict[ColumnKind, str] = {
    "text": "@",
    # Negative amounts (reversals, 红字冲销, a deficit) in red with their minus sign.
    "money": "#,##0.00;[Red]-#,##0.00",
    "int": "#,##0",
    "date": "yyyy-mm-dd",
    "percent": "0.00%",
}

# Everything outside XML 1.0's Char production: C0 controls but tab, LF and CR, lone surrogates,
# U+FFFE and U+FFFF. One of them in a part makes the whole workbook unreadable.
XML_ILLEGAL_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Excel reads _xHHHH_ in a string as an escaped character; a literal one is escaped as _x005F_xHHHH_.
_EXCEL_ESCAPE_RE = re.compile("_(x[0-9A-Fa-f]{4}_)")
# XML whitespace: a string that starts or ends with one needs xml:space="preserve" to keep it.
_XML_SPACE = " \t\n\r"
# FORMULA_TRIGGERS as one string, for the data rows' faster test of a first character (each trigger is one).
_TRIGGER_CHARS = "".join(FORMULA_TRIGGERS)
# Rows buffered before a chunk of the sheet is encoded and deflated into the archive. 250 rows of
# a 14-column roster are ~0.4 MiB of XML (held twice: the strings and their encoding); 1,000 rows
# cost 5 MiB more peak memory in the 100,000-row export for no measurable speed (make bench).
_ROWS_PER_WRITE = 250
# The deflate level of the archive: 1 is several times faster than the default 6, for a file a
# few per cent larger (the sheet XML is repetitive).
_COMPRESSLEVEL = 1


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


class TotalRow(tuple):
    """A row among the data rows written in the bold style of the 合计 row: a report's subtotals
    (收入合计, 本月合计, a line over its sub-items). Its values are numbers computed by the caller,
    like `totals`: `TotalRow([None, "支出合计", Decimal("1200.00")])`."""

    __slots__ = ()


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
    text = str(value)
    if not text.isprintable():  # every character XML rejects is unprintable; most text has none
        text = XML_ILLEGAL_RE.sub("", text)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _excel_value(value: Any) -> CellValue:
    """`safe_cell`, plus Excel's lack of time zones: aware datetimes are written in the local time
    zone (Asia/Shanghai), as users read them in the app."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)
    return safe_cell(value)


# --- Styles ----------------------------------------------------------------------------------------
#
# styles.xml is fixed: one cell format (xf) for every role a cell can have, times every column kind,
# times the date types a value may bring into a column that has no date format (a date in a text
# column shows as a date, as openpyxl did). A cell refers to its xf by index (s="...").

# Room to sign between two labels of the signature row (six ideographic spaces).
_SIGNATURE_GAP = "\u3000" * 6
_ROLES = ("title", "meta_left", "meta_right", "header", "data", "total", "sign")
# Points per printed line of 11 pt text, as LibreOffice lays out its CJK substitute (Excel's own
# 宋体 line is 14.25): a wrapped cell gets this per line, or only its middle line shows.
_LINE_HEIGHT = 16
_TITLE_LINE_HEIGHT = 30  # the 16 pt title


def text_width(text: str) -> int:
    """How many column-width units `text` takes: a Chinese character (wide or full-width) two, the
    rest one, as Excel's column width counts the digit 0 of the default font."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrapped_lines(text: str, width: float) -> int:
    """The lines `text` wraps to in a cell `width` units wide (a unit is kept for the cell padding)."""
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


_KINDS: tuple[ColumnKind, ...] = ("text", "money", "int", "date", "percent")
# The format a date, datetime or time value gets in a column whose own format is not a date format.
_VALUE_DATE_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd h:mm:ss", "time": "h:mm:ss"}
# Excel's built-in number formats by code; the others are declared in <numFmts> from id 164.
_BUILTIN_FORMAT_IDS = {"#,##0": 3, "#,##0.00": 4, "0.00%": 10, "h:mm:ss": 21, "@": 49}
_CUSTOM_FORMATS = ("yyyy-mm-dd", "yyyy-mm-dd h:mm:ss", "#,##0.00;[Red]-#,##0.00")
_FORMAT_IDS = _BUILTIN_FORMAT_IDS | {code: 164 + index for index, code in enumerate(_CUSTOM_FORMATS)}
# (horizontal, vertical, wrap text)
_KIND_ALIGNMENTS: dict[ColumnKind, tuple[str, str, bool]] = {
    "text": ("left", "center", True),
    "money": ("right", "center", False),
    "int": ("right", "center", False),
    "date": ("center", "center", False),
    "percent": ("right", "center", False),
}
# Every text role wraps, and the writer gives a row the height of its longest cell's lines: a
# period line or a header wider than its cells shows whole instead of clipped.
_ROLE_ALIGNMENTS = {
    "title": ("center", "center", True),
    "meta_left": ("left", "center", True),
    "meta_right": ("right", "center", True),
    "header": ("center", "center", True),
    "sign": ("left", "center", True),
}
# Indexes into <fonts>, <fills> and <borders> below.
_FONT_NORMAL, _FONT_TITLE, _FONT_BOLD = 0, 1, 2
_FILL_NONE, _FILL_HEADER = 0, 2
_BORDER_NONE, _BORDER_THIN = 0, 1


def _build_styles() -> tuple[dict[tuple[str, ColumnKind, str | None], int], str]:
    """({(role, kind, date type of the value or None): xf index}, the cellXfs elements)."""
    ids: dict[tuple[str, ColumnKind, str | None], int] = {}
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']  # 0: the default
    for role in _ROLES:
        for kind in _KINDS:
            own = NUMBER_FORMATS[kind]
            # openpyxl kept a column's date format for any date value, and replaced any other.
            is_date_format = own in _VALUE_DATE_FORMATS.values()
            variants = {None: own} | ({} if is_date_format else _VALUE_DATE_FORMATS)
            for value_type, code in variants.items():
                horizontal, vertical, wrap = _ROLE_ALIGNMENTS.get(role, _KIND_ALIGNMENTS[kind])
                font = {"title": _FONT_TITLE, "header": _FONT_BOLD, "total": _FONT_BOLD}.get(role, _FONT_NORMAL)
                fill = _FILL_HEADER if role == "header" else _FILL_NONE
                border = _BORDER_THIN if role in {"header", "data", "total"} else _BORDER_NONE
                wrap_attr = ' wrapText="1"' if wrap else ""
                ids[role, kind, value_type] = len(xfs)
                xfs.append(
                    f'<xf numFmtId="{_FORMAT_IDS[code]}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
                    ' applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
                    f'<alignment horizontal="{horizontal}" vertical="{vertical}"{wrap_attr}/></xf>'
                )
    return ids, f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'


_STYLE_IDS, _CELL_XFS = _build_styles()
_THIN_SIDES = "".join(
    f'<{side} style="thin"><color rgb="FF000000"/></{side}>' for side in ("left", "right", "top", "bottom")
)
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<numFmts count="{len(_CUSTOM_FORMATS)}">'
    + "".join(f'<numFmt numFmtId="{_FORMAT_IDS[code]}" formatCode="{code}"/>' for code in _CUSTOM_FORMATS)
    + "</numFmts>"
    # 宋体 with the GB2312 charset (134) and the roman family: Excel and WPS use it for Chinese and
    # digits alike; an office suite without it substitutes its CJK serif (LibreOffice: Noto Serif CJK).
    '<fonts count="3">'
    '<font><sz val="11"/><color rgb="FF000000"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="16"/><color rgb="FF000000"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><color rgb="FF000000"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9D9D9"/><bgColor rgb="FFD9D9D9"/></patternFill></fill>'
    "</fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f"<border>{_THIN_SIDES}<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f"{_CELL_XFS}"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/>'
    "</styleSheet>"
)


# --- Cells -----------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
_MAX_EXACT_INT = 10**15  # larger integers are written as openpyxl did ("%.16g"): Excel keeps 15 digits


def _serial(value: dt.date | dt.time) -> float | int:
    """The Excel serial number of a naive date, datetime or time (1900 date system, as openpyxl)."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise TypeError(
                "Excel does not support timezones in datetimes. "
                "The tzinfo in the datetime/time object must be set to None."
            )
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 10**6) / 86400
    days = value.toordinal() - _EXCEL_EPOCH
    if 0 < days <= 60:  # Excel counts 1900-02-29, which did not exist
        days -= 1
    if isinstance(value, dt.datetime):
        return days + (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 10**6) / 86400
    return days


def _number(value: int | float | Decimal) -> str | None:
    """The <v> text of a number; None for NaN and infinities, which Excel cannot hold (a blank cell)."""
    if type(value) is int and -_MAX_EXACT_INT < value < _MAX_EXACT_INT:
        return str(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    if not isinstance(value, Decimal | int) and not math.isfinite(value):
        return None
    return f"{float(value):.16g}"  # as openpyxl wrote numbers: 16 significant digits


def _escape(text: str) -> str:
    """`text` for an XML text node, with Excel's _xHHHH_ escapes taken literally."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:
        text = _EXCEL_ESCAPE_RE.sub(r"_x005F_\1", text)
    return text


def _text_xml(text: str) -> str:
    """An inline-string body for `text` (not empty), which has been through safe_cell."""
    if "&" in text or "<" in text or ">" in text or "_x" in text:
        text = _escape(text)
    if text[0] in _XML_SPACE or text[-1] in _XML_SPACE:
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def _cell_xml(ref: str, value: Any, role: str, kind: ColumnKind) -> str:
    """One <c> element for any value (the general path; data rows take a faster one for common types)."""
    value = _excel_value(value)
    if isinstance(value, str):
        if not value:
            return f'<c r="{ref}" s="{_STYLE_IDS[role, kind, None]}"/>'
        return f'<c r="{ref}" s="{_STYLE_IDS[role, kind, None]}" t="inlineStr">{_text_xml(value)}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{_STYLE_IDS[role, kind, None]}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.date | dt.time):
        value_type = "datetime" if isinstance(value, dt.datetime) else "date" if isinstance(value, dt.date) else "time"
        style = _STYLE_IDS.get((role, kind, value_type), _STYLE_IDS[role, kind, None])
        return f'<c r="{ref}" s="{style}"><v>{_number(_serial(value))}</v></c>'
    number = None if value is None else _number(value)
    if number is None:
        return f'<c r="{ref}" s="{_STYLE_IDS[role, kind, None]}"/>'
    return f'<c r="{ref}" s="{_STYLE_IDS[role, kind, None]}"><v>{number}</v></c>'


def _column_letter(index: int) -> str:
    """A, B, ... Z, AA, ... for a 1-based column index."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_attr(text: str) -> str:
    """`text` escaped for an XML attribute (or a text node), characters XML cannot carry dropped."""
    text = XML_ILLEGAL_RE.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- The package -----------------------------------------------------------------------------------

_INVALID_SHEET_TITLE_RE = re.compile(r"[\\*?:/\[\]]")
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _content_types_xml(sheets: int) -> str:
    return (
        _CONTENT_TYPES_HEAD
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for number in range(1, sheets + 1)
        )
        + _CONTENT_TYPES_TAIL
    )


_CONTENT_TYPES_HEAD = (
    _XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
)
_CONTENT_TYPES_TAIL = (
    '<Override PartName="/xl/styles.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS_XML = (
    _XML_DECLARATION + f'<Relationships xmlns="{_PACKAGE_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)


def _workbook_rels_xml(sheets: int) -> str:
    """Sheet n is rId<n>; the stylesheet comes after them."""
    return (
        _XML_DECLARATION
        + f'<Relationships xmlns="{_PACKAGE_REL_NS}">'
        + "".join(
            f'<Relationship Id="rId{number}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
            for number in range(1, sheets + 1)
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


_APP_XML = (
    _XML_DECLARATION + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel Compatible / union_office</Application></Properties>"
)


def _core_xml() -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        _XML_DECLARATION
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _sheet_name(sheet_title: str) -> str:
    """`sheet_title`, checked as openpyxl checked it (Excel's rules for sheet names)."""
    name = XML_ILLEGAL_RE.sub("", str(sheet_title))
    if not name:
        raise ValueError("Title must have at least one character")
    invalid = _INVALID_SHEET_TITLE_RE.search(name)
    if invalid:
        raise ValueError(f"Invalid character {invalid.group(0)} found in sheet title")
    if len(name) > 31:
        warnings.warn(
            "Title is more than 31 characters. Some applications may not be able to read the file", stacklevel=3
        )
    return name


def _continued_sheet_name(sheet_name: str, number: int) -> str:
    """报表, 报表 (2), 报表 (3)…: within Excel's 31 characters."""
    if number == 1:
        return sheet_name
    suffix = f" ({number})"
    return sheet_name[: 31 - len(suffix)] + suffix


def _workbook_xml(sheet_names: list[str], header_first: int, header_last: int, *, first_column: bool = False) -> str:
    sheets = "".join(
        f'<sheet name="{_xml_attr(name)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, name in enumerate(sheet_names, start=1)
    )

    # Every sheet repeats the header when printed (and its first column, when it goes across pages).
    def print_titles(name: str) -> str:
        sheet = "'" + name.replace("'", "''") + "'"
        return (f"{sheet}!$A:$A," if first_column else "") + f"{sheet}!${header_first}:${header_last}"

    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
        + _xml_attr(print_titles(name))
        + "</definedName>"
        for index, name in enumerate(sheet_names)
    )
    return (
        _XML_DECLARATION + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets><definedNames>{titles}</definedNames>"
        "</workbook>"
    )


class _Sheet:
    """The rows of sheet1.xml, buffered and written to the archive member in chunks."""

    def __init__(self, member: Any) -> None:
        self.member = member
        self.row = 0
        self.pending: list[str] = []

    def append(self, cells: list[str], height: int | None = None) -> int:
        """Write one row of <c> elements; returns its number."""
        self.row += 1
        size = f' ht="{height}" customHeight="1"' if height else ""
        self.pending.append(f'<row r="{self.row}"{size}>{"".join(cells)}</row>')
        return self.row

    def write(self, text: str) -> None:
        self.pending.append(text)
        self.member.write("".join(self.pending).encode())
        self.pending.clear()

    def data_rows(self, columns: list[Column], rows: Iterable[Sequence[Any]]) -> None:
        """Stream the data rows: the hot loop of a large report, hence the inlined common cases."""
        width = len(columns)
        specs = []
        for index, column in enumerate(columns, start=1):
            style = _STYLE_IDS["data", column.kind, None]
            date_style = _STYLE_IDS.get(("data", column.kind, "date"), style)
            # Text that may not fit on one line (two units a character at most) is measured.
            fits = column.width - 1 if column.kind == "text" else 1 << 30
            specs.append((_column_letter(index), column.kind, style, date_style, fits // 2, column.width))
        pending, member, row = self.pending, self.member, self.row
        str_, int_, decimal, date = str, int, Decimal, dt.date
        illegal, triggers, spaces, escape = XML_ILLEGAL_RE.sub, _TRIGGER_CHARS, _XML_SPACE, _escape
        epoch, big, line_height = _EXCEL_EPOCH, _MAX_EXACT_INT, _LINE_HEIGHT
        cls_of, total_row = type, TotalRow
        try:
            for values in rows:
                if len(values) != width:
                    raise ValueError(f"Row {row + 1} has {len(values)} values for {width} columns")
                row += 1
                r = str(row)
                cells = [f'<row r="{r}">']
                if cls_of(values) is total_row:
                    cells.extend(
                        _cell_xml(f"{letter}{r}", value, "total", kind)
                        for (letter, kind, _style, _date_style, _short, _width), value in zip(
                            specs, values, strict=True
                        )
                    )
                    cells.append("</row>")
                    pending.append("".join(cells))
                    continue
                lines = 1
                for (letter, kind, style, date_style, short, column_width), value in zip(specs, values, strict=False):
                    cls = type(value)
                    if cls is str_:
                        # safe_cell and _text_xml, inlined
                        if not value.isprintable():
                            value = illegal("", value)
                        if not value:
                            cells.append(f'<c r="{letter}{r}" s="{style}"/>')
                            continue
                        if len(value) > short:
                            lines = max(lines, wrapped_lines(value, column_width))
                        if value[0] in triggers:
                            value = "'" + value
                        if "&" in value or "<" in value or ">" in value or "_x" in value:
                            value = escape(value)
                        if value[0] in spaces or value[-1] in spaces:
                            cells.append(
                                f'<c r="{letter}{r}" s="{style}" t="inlineStr">'
                                f'<is><t xml:space="preserve">{value}</t></is></c>'
                            )
                        else:
                            cells.append(f'<c r="{letter}{r}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>')
                    elif value is None:
                        cells.append(f'<c r="{letter}{r}" s="{style}"/>')
                    elif cls is int_ and -big < value < big:
                        cells.append(f'<c r="{letter}{r}" s="{style}"><v>{value}</v></c>')
                    elif cls is decimal and value.is_finite():
                        cells.append(f'<c r="{letter}{r}" s="{style}"><v>{float(value):.16g}</v></c>')
                    elif cls is date:
                        days = value.toordinal() - epoch
                        if 0 < days <= 60:
                            days -= 1
                        cells.append(f'<c r="{letter}{r}" s="{date_style}"><v>{days}</v></c>')
                    else:
                        cells.append(_cell_xml(letter + r, value, "data", kind))
                if lines > 1:  # a wrapped cell: the row as high as its lines
                    cells[0] = f'<row r="{r}" ht="{lines * line_height}" customHeight="1">'
                cells.append("</row>")
                pending.append("".join(cells))
                if len(pending) >= _ROWS_PER_WRITE:
                    member.write("".join(pending).encode())
                    pending.clear()
        finally:
            self.row = row


def write_report(
    *,
    title: str,
    unit: str,
    period: str,
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None = None,
    sheet_title: str = "报表",
    signatures: Sequence[str] = (),
    orientation: Literal["portrait", "landscape"] = "landscape",
    fit_width: bool = True,
    period_label: str | None = None,
    empty_text: str | None = None,
    unit_label: str | None = None,
) -> bytes:
    """Write a one-sheet report and return the .xlsx bytes (see `write_report_into` for the layout).

    For reports that fit a request; a large one written in Celery goes into a file instead.
    """
    buffer = BytesIO()
    write_report_into(
        buffer,
        title=title,
        unit=unit,
        period=period,
        columns=columns,
        rows=rows,
        totals=totals,
        sheet_title=sheet_title,
        signatures=signatures,
        orientation=orientation,
        fit_width=fit_width,
        period_label=period_label,
        empty_text=empty_text,
        unit_label=unit_label,
    )
    return buffer.getvalue()


def write_report_into(
    target: IO[bytes],
    *,
    title: str,
    unit: str,
    period: str,
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None = None,
    sheet_title: str = "报表",
    signatures: Sequence[str] = (),
    orientation: Literal["portrait", "landscape"] = "landscape",
    fit_width: bool = True,
    period_label: str | None = None,
    empty_text: str | None = None,
    unit_label: str | None = None,
) -> None:
    """Write a report as .xlsx into `target`, a binary file object opened for writing.

        Layout: row 1 the title, row 2 单位 (left) and 期间 (right), then the header (two rows when any
        column has a group), the data rows (a TotalRow among them is a bold subtotal), and an optional
        bold 合计 row. Every row, `totals` included, has one value per column. `totals` must hold the
        computed totals (None for blank cells); the 合计 label goes into the first text column when its
        total is None. `period_label` names what row 2's right half says (期间 by default), `unit_label`
    its left half (单位 by default; a 花名册 says 填报单位);
        `empty_text` is written as one merged row when `rows` yields none ("无报名"). `signatures`
        ("单位负责人：", "会计：" ...) go on one row after a blank one, across the table, as the foot
        of a paper report to sign. Print setup is A4 in
        `orientation` (landscape unless the report fits a portrait page), fitted to one page wide,
        repeating the header on every page; panes are frozen below the header. A table too wide to
        read fitted to one page (the 统计年报's dozens of columns print at 3 pt) passes
        `fit_width=False`: it prints at full size across pages, each repeating the first column.

        A report longer than a sheet may be (Excel's 1,048,576 rows; settings.XLSX_MAX_ROWS_PER_SHEET)
        goes on over further sheets named "<sheet_title> (2)", "(3)"…, each with the title and header
        again; the 合计 row ends the last one.

        `rows` may be a generator: it is consumed once, row by row (see the module docstring for memory).
        The archive is deflated into `target` as it is written; `target` is left open, positioned at
        its end. It need not be seekable (zipfile then writes data descriptors).
    """
    if not columns:
        raise ValueError("A report needs at least one column")
    if totals is not None and len(totals) != len(columns):
        raise ValueError(f"totals has {len(totals)} values for {len(columns)} columns")
    sheet_name = _sheet_name(sheet_title)
    two_level = any(column.group for column in columns)
    header_first = 3
    header_last = header_first + (1 if two_level else 0)

    # Data rows a sheet holds: what the title, header, a 合计 row and the signatures (a blank row and
    # theirs) leave of the limit.
    per_sheet = settings.XLSX_MAX_ROWS_PER_SHEET - header_last - 1 - (2 if signatures else 0)
    if per_sheet < 1:
        raise ValueError("XLSX_MAX_ROWS_PER_SHEET leaves no room for data rows")

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSLEVEL) as archive:
        # The sheets first: how many there are is known only once the rows run out.
        remaining: Iterator[Sequence[Any]] | None = iter(rows)
        sheet_names: list[str] = []
        while remaining is not None:
            sheet_names.append(_continued_sheet_name(sheet_name, len(sheet_names) + 1))
            with archive.open(f"xl/worksheets/sheet{len(sheet_names)}.xml", "w") as member:
                remaining = _write_sheet(
                    _Sheet(member),
                    title=title,
                    unit=unit,
                    period=period,
                    columns=columns,
                    rows=remaining,
                    capacity=per_sheet,
                    totals=totals,
                    header_first=header_first,
                    header_last=header_last,
                    selected=len(sheet_names) == 1,
                    signatures=signatures,
                    orientation=orientation,
                    fit_width=fit_width,
                    period_label=period_label,
                    empty_text=empty_text,
                    unit_label=unit_label,
                )
        archive.writestr("[Content_Types].xml", _content_types_xml(len(sheet_names)))
        archive.writestr("_rels/.rels", _ROOT_RELS_XML)
        archive.writestr("docProps/app.xml", _APP_XML)
        archive.writestr("docProps/core.xml", _core_xml())
        archive.writestr(
            "xl/workbook.xml", _workbook_xml(sheet_names, header_first, header_last, first_column=not fit_width)
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels_xml(len(sheet_names)))
        archive.writestr("xl/styles.xml", _STYLES_XML)


# One page wide, as many pages long as the rows need.
_FIT_WIDTH = ' fitToWidth="1" fitToHeight="0"'


def _write_sheet(
    sheet: _Sheet,
    *,
    title: str,
    unit: str,
    period: str,
    columns: list[Column],
    rows: Iterator[Sequence[Any]],
    capacity: int,
    totals: Sequence[Any] | None,
    header_first: int,
    header_last: int,
    selected: bool,
    signatures: Sequence[str] = (),
    orientation: str = "landscape",
    fit_width: bool = True,
    period_label: str | None = None,
    empty_text: str | None = None,
    unit_label: str | None = None,
) -> Iterator[Sequence[Any]] | None:
    """Stream one sheet: everything before <sheetData>, up to `capacity` rows, then what follows them.

    Returns the rows left for the next sheet, or None when this sheet took the last one (and the
    合计 row)."""
    width = len(columns)
    letters = [_column_letter(index) for index in range(1, width + 1)]
    merges: list[tuple[int, int, int, int]] = []

    def merge(first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            merges.append((first_row, first_col, last_row, last_col))

    def cells(values: Sequence[Any], role: str | list[str], kinds: list[ColumnKind] | None = None) -> list[str]:
        """The <c> elements of the next row (one value per column) in `role` (one for all or one each)."""
        row = sheet.row + 1
        roles = [role] * width if isinstance(role, str) else role
        return [
            _cell_xml(f"{letters[index]}{row}", value, roles[index], kinds[index] if kinds else "text")
            for index, value in enumerate(values)
        ]

    cols = "".join(
        f'<col min="{index}" max="{index}" width="{column.width}" customWidth="1"/>'
        for index, column in enumerate(columns, start=1)
    )
    sheet.write(
        _XML_DECLARATION
        + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        # Without fitToPage Excel ignores fitToWidth.
        + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit_width else "")
        + f'<sheetViews><sheetView{' tabSelected="1"' if selected else ""} workbookViewId="0">'
        f'<pane ySplit="{header_last}" topLeftCell="A{header_last + 1}" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>"
    )

    widths = [column.width for column in columns]
    table_width = sum(widths)

    def height(*texts_and_widths: tuple[str, float]) -> int | None:
        """The height of a row whose longest cell wraps to more than one line (None: one line)."""
        lines = max(wrapped_lines(text, room) for text, room in texts_and_widths)
        return lines * _LINE_HEIGHT if lines > 1 else None

    # Row 1: title across the table (its merged cells written too, so every row is as wide as the table).
    # The 16 pt title takes 16/11 of the units an 11 pt line does.
    title_lines = wrapped_lines(title, table_width * 11 / 16)
    title_row = sheet.append(cells([title] + [None] * (width - 1), "title"), height=_TITLE_LINE_HEIGHT * title_lines)
    merge(title_row, 1, title_row, width)

    # Row 2: unit on the left half, period on the right half.
    unit_text = gettext("%(label)s：%(unit)s") % {"label": unit_label or gettext("单位"), "unit": unit}
    # 期间 only for a period; a report about something else names what its line says (时间地点, 导出日期).
    period_text = gettext("%(label)s：%(period)s") % {"label": period_label or gettext("期间"), "period": period}
    if width == 1:
        meta_text = f"{unit_text}  {period_text}"
        sheet.append(cells([meta_text], "meta_left"), height=height((meta_text, table_width)))
    else:
        split = (width + 1) // 2
        values = [unit_text] + [None] * (split - 1) + [period_text] + [None] * (width - split - 1)
        roles = ["meta_left"] * split + ["meta_right"] * (width - split)
        meta_height = height((unit_text, sum(widths[:split])), (period_text, sum(widths[split:])))
        meta_row = sheet.append(cells(values, roles), height=meta_height)
        merge(meta_row, 1, meta_row, split)
        merge(meta_row, split + 1, meta_row, width)

    # Header: grouped columns share a merged group title; ungrouped ones span both header rows.
    if header_last > header_first:
        # A group title spans its columns; an ungrouped title spans both rows, so half its lines each.
        spans = [(group, list(members)) for group, members in groupby(columns, key=lambda column: column.group)]
        first: list[tuple[str, float]] = [
            (group, sum(c.width for c in members)) for group, members in spans if group is not None
        ]
        first += [(c.title, c.width / 2) for group, members in spans if group is None for c in members]
        second = [(c.title, c.width) for c in columns if c.group is not None] or [("", 10)]
        sheet.append(cells([column.group or column.title for column in columns], "header"), height=height(*first))
        sheet.append(
            cells([None if column.group is None else column.title for column in columns], "header"),
            height=height(*second),
        )
        index = 1
        for group, members in groupby(columns, key=lambda column: column.group):
            span = len(list(members))
            if group is None:
                for offset in range(span):
                    merge(header_first, index + offset, header_last, index + offset)
            else:
                merge(header_first, index, header_first, index + span - 1)
            index += span
    else:
        sheet.append(
            cells([column.title for column in columns], "header"),
            height=height(*((column.title, column.width) for column in columns)),
        )

    before = sheet.row
    sheet.data_rows(columns, islice(rows, capacity))
    following = next(rows, None)
    remaining = None if following is None else chain([following], rows)
    if empty_text and sheet.row == before and remaining is None:
        # An empty list says so, rather than ending at a bare header row.
        empty_row = sheet.append(cells([empty_text] + [None] * (width - 1), "data"))
        merge(empty_row, 1, empty_row, width)

    if totals is not None and remaining is None:
        totals = list(totals)
        label_index = next((i for i, column in enumerate(columns) if column.kind == "text"), None)
        if label_index is not None and totals[label_index] is None:
            totals[label_index] = gettext("合计")
        sheet.append(cells(totals, "total", [column.kind for column in columns]))

    if signatures and remaining is None:
        sheet.append([])
        # One cell across the table, the labels spaced for the hand: a first column as narrow as
        # 科目编码 cannot hold "单位负责人：" on its own.
        sign_text = _SIGNATURE_GAP.join(signatures)
        sign_height = max(24, height((sign_text, table_width)) or 0)
        sign_row = sheet.append(cells([sign_text] + [None] * (width - 1), "sign"), height=sign_height)
        merge(sign_row, 1, sign_row, width)

    merge_cells = "".join(
        f'<mergeCell ref="{letters[first_col - 1]}{first_row}:{letters[last_col - 1]}{last_row}"/>'
        for first_row, first_col, last_row, last_col in merges
    )
    footer = "&C" + gettext("第 &P 页 / 共 &N 页")
    sheet.write(
        "</sheetData>"
        + (f'<mergeCells count="{len(merges)}">{merge_cells}</mergeCells>' if merges else "")
        + '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        f'<pageSetup paperSize="9" orientation="{orientation}"{_FIT_WIDTH if fit_width else ""}/>'
        f"<headerFooter><oddFooter>{_xml_attr(footer)}</oddFooter></headerFooter>"
        "</worksheet>"
    )
    return remaining


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
