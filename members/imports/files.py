"""The file side of a roster import: the limits, the column layout, the upload checks, and reading
.xlsx (with expat) and .csv (UTF-8 or GB18030) into rows."""

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import logging
import operator
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any
from xml.parsers import expat

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from union_office import office_package
from union_office.office_package import check_office_package

from .fastsheet import NotPlain, plain_sheet_rows

logger = logging.getLogger(__name__)


# --- Limits --------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# Zip bomb: the declared sizes of all members, and the ratio of any one (union_office.office_package).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = office_package.MAX_COMPRESSION_RATIO
# The header is looked for in the first rows: our own exports have a title and a unit line above it.
HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 2_000  # rows between two progress updates (a query each)
MAX_STORED_ERRORS = 1_000
# Keyed hashes per `IN (...)` on a database other than PostgreSQL and SQLite (see _hash_conditions).
LOOKUP_CHUNK = 10_000

# --- The file layout -----------------------------------------------------------------------------
# The column headers are the file format, not UI text: they are never translated.

NAME, ID_NUMBER, GENDER, PHONE, UNIT = "姓名", "身份证号", "性别", "手机号", "所属工会"
DEPARTMENT, JOINED_ON, MEMBER_NO, EMPLOYMENT, FRONTLINE, WAGE_BASE = (
    "部门",
    "入会日期",
    "会员编号",
    "用工形式",
    "一线职工",
    "会费工资基数",
)
CARD_NO, ETHNICITY, EDUCATION, POLITICAL_STATUS = "会员证号", "民族", "文化程度", "政治面貌"
BIRTH_DATE = "出生日期"  # not in the template; when a file has it (our export), it is checked
COLUMNS = [
    NAME,
    ID_NUMBER,
    GENDER,
    PHONE,
    UNIT,
    DEPARTMENT,
    JOINED_ON,
    MEMBER_NO,
    EMPLOYMENT,
    FRONTLINE,
    WAGE_BASE,
    CARD_NO,
    ETHNICITY,
    EDUCATION,
    POLITICAL_STATUS,
]
REQUIRED_COLUMNS = [NAME, ID_NUMBER, UNIT]
REPEATING_COLUMNS = {GENDER, UNIT, DEPARTMENT, JOINED_ON, EMPLOYMENT, FRONTLINE, WAGE_BASE}
HEADER_ALIASES = {
    "身份证号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "手机": PHONE,
    "手机号码": PHONE,
    "联系电话": PHONE,
    "所在部门": DEPARTMENT,
    "入会时间": JOINED_ON,
    "是否一线职工": FRONTLINE,
    "工资基数": WAGE_BASE,
    "会费工资基数（月）": WAGE_BASE,
    "会员证编号": CARD_NO,
    "学历": EDUCATION,
}
EXAMPLE_MARK = "示例"
FORMULA_TRIGGERS = ("=", "+", "-", "@")


class RosterImportError(ValidationError):
    """A file or an import that cannot go on; the message says why, in words a clerk understands."""


# --- Upload checks -------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and any password-protected Office file
_ZIP_MAGIC = b"PK\x03\x04"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PREFIX = rb"<(?:[A-Za-z_][\w.\-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row(?=[\s>/])")
_FORMULA_TAG = re.compile(_PREFIX + rb"f(?=[\s>/])")
_CELL_REF = re.compile(_PREFIX + rb'c\s[^>]*?\br="([A-Z]{1,3}\d+)"')
_DIMENSION = re.compile(_PREFIX + rb'dimension\s+ref="[A-Z]{0,3}\d*:?[A-Z]{0,3}(\d+)"')


def check_upload(uploaded_file: Any) -> str:
    """Return "xlsx" or "csv"; raise RosterImportError (Chinese) for a file that must not be imported.

    Cheap checks first, in this order: extension, size, magic bytes; for .xlsx the zip directory
    (zip bomb), the declared sheet size, then one streaming pass over the sheet's XML for the row
    count and formulas (~0.2 s for 100,000 rows); for .csv the encoding and the line count. The file
    is left at position 0.
    """
    name = str(getattr(uploaded_file, "name", "") or "")
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix == ".xls":
        raise RosterImportError(_("不支持旧版 Excel（.xls）文件。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再上传。"))
    if suffix not in {".xlsx", ".csv"}:
        raise RosterImportError(
            _("只能上传 Excel（.xlsx）或 CSV（.csv）文件，“%(name)s”不是。") % {"name": name or "?"}
        )
    size = uploaded_file.size
    if size > MAX_UPLOAD_BYTES:
        raise RosterImportError(
            _("文件有 %(size).1f MB，超过了 %(limit)d MB 的上限。请把花名册分成几个文件分别导入。")
            % {"size": size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise RosterImportError(_("文件是空的。"))
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    try:
        if suffix == ".xlsx":
            _check_xlsx(uploaded_file, head)
            return "xlsx"
        _check_csv(uploaded_file, head)
        return "csv"
    finally:
        uploaded_file.seek(0)


def _check_xlsx(uploaded_file: Any, head: bytes) -> None:
    if head.startswith(_OLE_MAGIC):
        raise RosterImportError(
            _("这个文件设置了打开密码，或是旧版 .xls 文件改了扩展名。请取消密码并另存为 .xlsx 后再上传。")
        )
    if not head.startswith(_ZIP_MAGIC):
        raise RosterImportError(_("文件内容不是 Excel（.xlsx）格式，可能只是改了扩展名。请用 Excel 另存为 .xlsx。"))
    try:
        check_office_package(uploaded_file, max_unzipped_bytes=MAX_UNZIPPED_BYTES, kind="Excel（.xlsx）")
    except ValidationError as exc:
        raise RosterImportError(exc.messages) from None
    with zipfile.ZipFile(uploaded_file) as archive:
        sheet = _first_sheet_path(archive)
        rows = _scan_sheet(archive, sheet)
    if rows - 1 > MAX_ROWS:
        raise _too_many_rows(rows - 1)


def _too_many_rows(rows: int) -> RosterImportError:
    return RosterImportError(
        _("文件有 %(rows)s 行，超过了每次最多 %(limit)s 行的上限。请分成几个文件导入。")
        % {"rows": f"{rows:,}", "limit": f"{MAX_ROWS:,}"}
    )


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        raise RosterImportError(_("文件不是有效的 Excel 工作簿（缺少 %(part)s）。") % {"part": name}) from None


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The part name of the workbook's first sheet (usually xl/worksheets/sheet1.xml)."""
    workbook = _parse_small_xml(_read_member(archive, "xl/workbook.xml"))
    rels = _parse_small_xml(_read_member(archive, "xl/_rels/workbook.xml.rels"))
    first = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
    rel_id = first.get(f"{{{_REL_NS}}}id") if first is not None else None
    target = next(
        (el.get("Target") for el in rels.iter() if el.tag.endswith("}Relationship") and el.get("Id") == rel_id),
        None,
    )
    if not target:
        raise RosterImportError(_("文件不是有效的 Excel 工作簿（找不到工作表）。"))
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    # "xl/worksheets/../worksheets/sheet1.xml" and the like
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in {"", "."}:
            parts.append(part)
    return "/".join(parts)


def _parse_small_xml(data: bytes) -> Any:
    # defusedxml: no DTDs, no entity expansion, no external references.
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(data)
    except (ParseError, ValueError) as exc:
        logger.info("unreadable workbook part: %s", exc)
        raise RosterImportError(_("文件不是有效的 Excel 工作簿。")) from None


def _scan_sheet(archive: zipfile.ZipFile, sheet: str) -> int:
    """Rows in the sheet (from <dimension>, then counted); RosterImportError on a formula cell."""
    try:
        with archive.open(sheet) as stream:
            head = stream.read(64 * 1024)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        raise RosterImportError(_("文件不是有效的 Excel 工作簿（找不到工作表）。")) from None
    dimension = _DIMENSION.search(head)
    if dimension and int(dimension.group(1)) - 1 > MAX_ROWS:
        raise _too_many_rows(int(dimension.group(1)) - 1)
    rows = 0
    carry = b""
    try:
        with archive.open(sheet) as stream:
            while True:
                chunk = stream.read(1024 * 1024)
                buffer = carry + chunk
                # Cut before the last <row so that a row (its cells and formulas) is never split.
                cut = _last_row_start(buffer) if chunk else len(buffer)
                part, carry = buffer[:cut], buffer[cut:]
                rows += _count_rows(part)
                formula = _FORMULA_TAG.search(part) if b"<f" in part or b":f" in part else None
                if formula:
                    cell = _CELL_REF.match(part, part.rfind(b"<", 0, formula.start()))
                    raise RosterImportError(
                        _("单元格 %(cell)s 含有公式。请先把公式转为数值（复制后“选择性粘贴 → 数值”）再上传。")
                        % {"cell": cell.group(1).decode() if cell else "?"}
                    )
                if rows - 1 > MAX_ROWS:
                    raise _too_many_rows(rows - 1)
                if not chunk:
                    return rows
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        raise RosterImportError(_("文件已损坏，无法作为 Excel（.xlsx）打开。")) from None


# What may follow a tag's name (the lookahead of _ROW_TAG and _FORMULA_TAG).
_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")


def _count_rows(part: bytes) -> int:
    """_ROW_TAG's matches in `part`, counted with bytes.count (ten times faster than the regex)
    unless a tag may have a namespace prefix (":row" somewhere): then with the regex."""
    if b":row" in part:
        return len(_ROW_TAG.findall(part))
    rows = part.count(b"<row ")
    if part.count(b"<row") == rows:  # every one is "<row " (Excel, WPS, openpyxl): two scans
        return rows
    return sum(part.count(b"<row" + after) for after in _AFTER_NAME)


def _last_row_start(buffer: bytes) -> int:
    """Where the last <row starts in the last 256 KB of `buffer` (its length if none), looked for
    in the last 16 KB first."""
    for window in (16 * 1024, 256 * 1024):
        starts = list(_ROW_TAG.finditer(buffer, max(0, len(buffer) - window)))
        if starts:
            return starts[-1].start()
    return len(buffer)


def _csv_encoding(stream: Any) -> str:
    """utf-8-sig or gb18030, whichever decodes the whole stream (decoded in chunks, nothing kept).

    Excel in China saves "CSV" as GBK (GB18030 is its superset); "CSV UTF-8" starts with a BOM.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise RosterImportError(_("无法识别 CSV 文件的编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再上传。"))


def _check_csv(uploaded_file: Any, head: bytes) -> None:
    if head.startswith(_ZIP_MAGIC):
        raise RosterImportError(_("这是 Excel（.xlsx）文件，扩展名却是 .csv。请把扩展名改回 .xlsx 再上传。"))
    if head.startswith(_OLE_MAGIC):
        raise RosterImportError(_("这是旧版 Excel 文件，不是 CSV。请在 Excel 中另存为 .xlsx 或 CSV UTF-8。"))
    lines = 0
    while chunk := uploaded_file.read(1024 * 1024):
        if b"\x00" in chunk:  # UTF-16 "Unicode text", or not text at all
            raise RosterImportError(
                _("文件含有二进制内容，不是文本格式的 CSV。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”。")
            )
        lines += chunk.count(b"\n")
    _csv_encoding(uploaded_file)
    if lines > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise _too_many_rows(lines)


# --- Reading the rows ----------------------------------------------------------------------------


EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's serial day 0 (1904-01-01 in "1904 date system" files)


@dataclass
class RosterTable:
    """The rows of the file under canonical headers, and where each row is in the file.

    MemberResource takes the table itself as its dataset (headers, len, the rows in order): plain
    lists, where a tablib Dataset keeps a Row object and a tags list per row (11 MB per 100,000
    rows). `dataset` makes the tablib Dataset for whoever wants one.
    """

    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # as Excel shows them (the header of a plain file: 1)
    ignored_headers: list[str] = field(default_factory=list)
    epoch: datetime.date = EXCEL_EPOCH

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[list[Any]]:
        return iter(self.rows)

    @property
    def dataset(self) -> tablib.Dataset:
        return tablib.Dataset(*self.rows, headers=self.headers)


def _canonical_header(value: Any) -> str:
    text = cell_text(value)
    text = re.sub(r"[（(](必填|选填|可选)[)）]$", "", text).rstrip("*＊").strip()
    return HEADER_ALIASES.get(text, text)


def read_roster(stream: Any, kind: str) -> RosterTable:
    """The roster rows of an .xlsx or .csv stream (already through check_upload)."""
    meta: dict[str, Any] = {}
    with contextlib.closing(_xlsx_rows(stream, meta) if kind == "xlsx" else _csv_rows(stream)) as source:
        table = _collect_rows(source)
    if table is None:
        raise RosterImportError(
            _("在文件的前 %(n)d 行里没有找到表头（需要“姓名”“身份证号”“所属工会”等列）。请使用导入模板。")
            % {"n": HEADER_SEARCH_ROWS}
        )
    if not table.row_numbers:
        raise RosterImportError(_("文件里除了表头没有数据行。"))
    if meta.get("date1904"):
        table.epoch = datetime.date(1904, 1, 1)
    return table


def _collect_rows(source: Iterator[tuple[int, list[Any]]]) -> RosterTable | None:
    table: RosterTable | None = None
    take: Any = None  # the table's columns of a file row (an itemgetter), in the table's order
    width = 0  # cells a file row needs for `take`
    repeating: list[int] = []  # table columns whose values repeat
    # One object per distinct value of the columns that repeat (所属工会, 入会日期 …): 100,000
    # copies of "高一年级分工会" would cost 9 MB, of a Decimal 10 MB. A number is shared with the
    # ones written the same way (5000.5 and 5000.50 are equal, and stay two).
    shared: dict[Any, Any] = {}
    for number, values in source:
        if table is None:
            headers = [_canonical_header(v) for v in values]
            if NAME in headers and ID_NUMBER in headers:
                table = _table_from_headers(headers)
                # The table keeps the file's order of its columns (_table_from_headers).
                sources = [i for i, h in enumerate(headers) if h in table.headers]
                take, width = operator.itemgetter(*sources), sources[-1] + 1
                repeating = [i for i, h in enumerate(table.headers) if h in REPEATING_COLUMNS]
                empty = [None] * len(table.headers)
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if len(values) < width:
            values = [*values, *([None] * (width - len(values)))]
        # Text with its spaces collapsed (an empty one is no value); numbers and dates as they are.
        row = [v if v.__class__ is not str else (" ".join(v.split()) or None) for v in take(values)]
        if row == empty:  # (compares the first cells only, where row.count(None) compared all)
            continue
        for i in repeating:
            value = row[i]
            if value.__class__ is str:
                row[i] = shared.setdefault(value, value)
            elif value.__class__ is Decimal:
                row[i] = shared.setdefault((Decimal, str(value)), value)
            elif value.__class__ is datetime.date:
                row[i] = shared.setdefault(value, value)
        if len(table.rows) >= MAX_ROWS:
            raise _too_many_rows(len(table.rows) + 1)
        table.rows.append(row)
        table.row_numbers.append(number)
    return table


def _table_from_headers(headers: list[str]) -> RosterTable:
    known = [h for h in headers if h in COLUMNS or h == BIRTH_DATE]
    for header in known:
        if known.count(header) > 1:
            raise RosterImportError(_("表头“%(header)s”出现了不止一次，请删去多余的列。") % {"header": header})
    missing = [h for h in REQUIRED_COLUMNS if h not in known]
    if missing:
        raise RosterImportError(_("表头缺少必填的列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)})
    return RosterTable(headers=known, ignored_headers=[h for h in headers if h and h not in known])


def _csv_rows(stream: Any) -> Iterator[tuple[int, list[str]]]:
    encoding = _csv_encoding(stream)
    sample = stream.read(8192).decode(encoding, errors="ignore")
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # Decoded as it is read: a 20 MB file never sits in memory as one string.
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text, dialect), start=1)
    except csv.Error as exc:
        raise RosterImportError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from None
    finally:
        text.detach()  # leave the caller's stream open


class _ForbiddenXml(ValueError):
    pass


def _forbid(*args: Any) -> None:
    raise _ForbiddenXml("DTDs and entities are not allowed")


def _expat_parser() -> Any:
    # What defusedxml does for ElementTree, for a bare expat parser: no DTD, no entity declarations,
    # no external entities (so no billion laughs, no XXE). Handlers are plain closures: an
    # ElementTree per cell cost three times as long.
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    return parser


def _local(name: str) -> str:
    return name[name.index(":") + 1 :] if ":" in name else name


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        stream = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_text": False, "phonetic": 0}

    def start(name: str, attrs: dict) -> None:
        name = _local(name)
        if name == "si":
            parts.clear()
        elif name == "t":
            state["in_text"] = not state["phonetic"]
        elif name == "rPh":  # phonetic guide (furigana): not part of the value
            state["phonetic"] += 1

    def end(name: str) -> None:
        name = _local(name)
        if name == "si":
            strings.append("".join(parts))
        elif name == "t":
            state["in_text"] = False
        elif name == "rPh":
            state["phonetic"] -= 1

    def text(data: str) -> None:
        if state["in_text"]:
            parts.append(data)

    parser = _expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    with stream:
        parser.ParseFile(stream)
    return strings


_COLUMNS_BY_LETTERS: dict[str, int] = {}


def _column_index(ref: str) -> int:
    """0 for "A7", 26 for "AA7"."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS_BY_LETTERS.get(letters)
    if index is None:
        index = 0
        for char in letters:
            index = index * 26 + ord(char) - 64
        index = _COLUMNS_BY_LETTERS.setdefault(letters, index - 1)
    return index


def _xlsx_rows(stream: Any, meta: dict[str, Any]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of the first sheet; numbers come as Decimal (exact), dates as numbers
    (Excel stores a date as a day count; `meta["date1904"]` says from which day)."""
    try:
        archive = zipfile.ZipFile(stream)
        sheet = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        workbook = _read_member(archive, "xl/workbook.xml")
        meta["date1904"] = re.search(rb'date1904="(1|true)"', workbook) is not None
        sheet_stream = archive.open(sheet)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, expat.ExpatError, _ForbiddenXml):
        raise RosterImportError(_("文件已损坏，无法作为 Excel（.xlsx）打开。")) from None
    with archive, sheet_stream:
        given = 0
        try:
            for row in plain_sheet_rows(sheet_stream, strings, _xlsx_value, _check_outline):
                given += 1
                yield row
            return
        except NotPlain:
            pass  # a shape the fast reader does not know: expat reads it, from the start
        except (zipfile.BadZipFile, OSError, EOFError):
            raise RosterImportError(_("文件已损坏，无法作为 Excel（.xlsx）打开。")) from None
        with archive.open(sheet) as again:
            yield from itertools.islice(_expat_sheet_rows(again, strings), given, None)


def _check_outline(xml: str) -> None:
    """The sheet XML without its rows (fastsheet): well-formed, no DTD, no entities, or refused."""
    parser = _expat_parser()
    try:
        parser.Parse(xml.encode(), True)
    except (expat.ExpatError, _ForbiddenXml):
        raise RosterImportError(_("文件已损坏，无法作为 Excel（.xlsx）打开。")) from None


def _expat_sheet_rows(sheet_stream: Any, strings: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """The rows of any sheet XML, read with expat (two callbacks per cell: 4 s for 100,000 rows)."""
    done: list[tuple[int, list[Any]]] = []
    cells: dict[int, Any] = {}
    parts: list[str] = []
    # The parser state, in closure variables: these handlers run ~5 times per cell, and attribute
    # or dict lookups there cost a second per 100,000 rows.
    column, cell_type, ref, collect, formula, number = -1, None, None, False, False, 0

    def start(name: str, attrs: dict) -> None:
        nonlocal column, cell_type, ref, collect, formula, number
        if name == "c" or name.endswith(":c"):
            ref = attrs.get("r")
            column = _column_index(ref) if ref else column + 1
            cell_type, formula = attrs.get("t"), False
            parts.clear()
        elif name == "v" or name == "t" or name.endswith((":v", ":t")):
            collect = True
        elif name == "row" or name.endswith(":row"):
            cells.clear()
            number = int(attrs["r"]) if "r" in attrs else number + 1
            column = -1
        elif name == "f" or name.endswith(":f"):
            formula = True

    def end(name: str) -> None:
        nonlocal collect
        if name == "c" or name.endswith(":c"):
            if formula:  # check_upload refuses these; a second lock for files read later
                raise RosterImportError(_("单元格 %(cell)s 含有公式。") % {"cell": ref or "?"})
            if parts:
                raw = parts[0] if len(parts) == 1 else "".join(parts)
                if cell_type == "s":
                    cells[column] = strings[int(raw)] if raw.isdigit() and int(raw) < len(strings) else raw
                else:
                    cells[column] = _xlsx_value(cell_type, raw)
        elif name == "v" or name == "t" or name.endswith((":v", ":t")):
            collect = False
        elif (name == "row" or name.endswith(":row")) and cells:
            done.append((number, [cells.get(i) for i in range(max(cells) + 1)]))

    def chars(data: str) -> None:
        if collect:
            parts.append(data)

    parser = _expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        while chunk := sheet_stream.read(256 * 1024):
            parser.Parse(chunk, False)
            yield from done
            done.clear()
        parser.Parse(b"", True)
    except (expat.ExpatError, _ForbiddenXml, zipfile.BadZipFile, OSError, EOFError):
        raise RosterImportError(_("文件已损坏，无法作为 Excel（.xlsx）打开。")) from None
    yield from done


def _xlsx_value(cell_type: str | None, raw: str) -> Any:
    if cell_type is None or cell_type == "n":
        try:
            return Decimal(raw)
        except InvalidOperation:
            return raw
    if cell_type == "b":
        return raw.strip() in {"1", "true"}
    if cell_type == "d":
        try:
            return datetime.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            return raw
    return raw  # inlineStr, str (a formula's text result), e (#N/A and the like)


def cell_text(value: Any) -> str:
    """A cell as text: numbers as Excel shows them (13800000000, not 1.38E+10), spaces collapsed."""
    if value.__class__ is str:
        return " ".join(value.split())  # also the ideographic space U+3000 and NBSP
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())
