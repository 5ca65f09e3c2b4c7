"""The file side of a roster import: the limits, the column layout, the upload checks, and reading
.xlsx, .xls, .ods (python-calamine, union_office.sheets) and .csv (UTF-8 or GB18030) into rows."""

import codecs
import contextlib
import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from union_office import office_package, sheets
from union_office.office_package import check_office_package

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
# Other headers people write for our columns. A new column (rows.py, FIELDS) adds its own here.
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
KINDS = ("xlsx", "xls", "ods", "csv")


class RosterImportError(ValidationError):
    """A file or an import that cannot go on; the message says why, in words a clerk understands."""


# --- Upload checks -------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and any password-protected Office file
_ZIP_MAGIC = b"PK\x03\x04"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
_KIND_NAMES = {"xlsx": "Excel（.xlsx）", "xls": "Excel 97-2003（.xls）", "ods": "OpenDocument（.ods）"}


def check_upload(uploaded_file: Any) -> str:
    """Return the kind ("xlsx", "xls", "ods" or "csv"); raise RosterImportError (Chinese) for a
    file that must not be imported. Cheap checks first: extension, size, magic bytes; for a zip
    (.xlsx, .ods) its directory (zip bomb), then one streaming pass over the sheet for the row count
    and formulas; for .csv the encoding and the line count. The file is left at position 0."""
    name = str(getattr(uploaded_file, "name", "") or "")
    kind = PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")
    if kind not in KINDS:
        raise RosterImportError(
            _("只能上传 Excel（.xlsx、.xls）、OpenDocument（.ods）或 CSV（.csv）文件，“%(name)s”不是。")
            % {"name": name or "?"}
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
    head = uploaded_file.read(len(_ODS_MIMETYPE) + 30)
    try:
        if kind == "csv":
            _check_csv(uploaded_file, head)
        elif kind == "xls":
            if not head.startswith(_OLE_MAGIC):
                raise RosterImportError(_("文件内容不是 Excel 97-2003（.xls）格式，可能只是改了扩展名。"))
        else:
            _check_package(uploaded_file, head, kind)
        return kind
    finally:
        uploaded_file.seek(0)


def _check_package(uploaded_file: Any, head: bytes, kind: str) -> None:
    if head.startswith(_OLE_MAGIC):
        raise RosterImportError(
            _("这个文件设置了打开密码，或是旧版 .xls 文件改了扩展名。请取消密码，或把扩展名改回 .xls 后再上传。")
        )
    if not head.startswith(_ZIP_MAGIC) or (kind == "ods") != (_ODS_MIMETYPE in head):
        raise RosterImportError(_("文件内容不是 %(kind)s格式，可能只是改了扩展名。") % {"kind": _KIND_NAMES[kind]})
    try:
        check_office_package(uploaded_file, max_unzipped_bytes=MAX_UNZIPPED_BYTES, kind=_KIND_NAMES[kind])
        scan = sheets.sheet_scan(uploaded_file, kind, max_rows=MAX_ROWS + 1)  # and the header
    except ValidationError as exc:
        if exc.code == "too_many_rows":
            raise _too_many_rows(None) from None
        raise RosterImportError(exc.messages) from None
    except (KeyError, OSError, EOFError, RuntimeError, ValueError):
        raise RosterImportError(_("文件已损坏，无法作为 %(kind)s 打开。") % {"kind": _KIND_NAMES[kind]}) from None
    if scan.formula_cell is not None:
        raise RosterImportError(
            _("单元格 %(cell)s 含有公式。请先把公式转为数值（复制后“选择性粘贴 → 数值”）再上传。")
            % {"cell": scan.formula_cell or "?"}
        )


def _too_many_rows(rows: int | None) -> RosterImportError:
    if rows is None:
        return RosterImportError(
            _("文件超过了每次最多 %(limit)s 行的上限。请分成几个文件导入。") % {"limit": f"{MAX_ROWS:,}"}
        )
    return RosterImportError(
        _("文件有 %(rows)s 行，超过了每次最多 %(limit)s 行的上限。请分成几个文件导入。")
        % {"rows": f"{rows:,}", "limit": f"{MAX_ROWS:,}"}
    )


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
    uploaded_file.seek(0)
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


@dataclass
class RosterTable:
    """The rows of the file under canonical headers, and where each row is in the file."""

    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # as Excel shows them (the header of a plain file: 1)
    ignored_headers: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def canonical_header(value: Any) -> str:
    text = cell_text(value)
    text = re.sub(r"[（(](必填|选填|可选)[)）]$", "", text).rstrip("*＊").strip()
    return HEADER_ALIASES.get(text, text)


def read_roster(stream: Any, kind: str) -> RosterTable:
    """The roster rows of an uploaded stream of this kind (already through check_upload)."""
    if kind == "csv":
        source = _csv_rows(stream)
    else:
        if kind in {"xlsx", "ods"}:  # cheap (the zip directory, the heads of its XML): a file read later
            try:
                check_office_package(stream, max_unzipped_bytes=MAX_UNZIPPED_BYTES, kind=_KIND_NAMES[kind])
            except ValidationError as exc:
                raise RosterImportError(exc.messages) from None
        try:
            source = sheets.first_sheet_rows(stream)
            source = iter([next(source), *source])  # calamine's errors come at the first row
        except StopIteration:
            source = iter(())
        except ValidationError as exc:
            raise RosterImportError(exc.messages) from None
    with contextlib.closing(source) if kind == "csv" else contextlib.nullcontext():  # a generator: closed here
        table = _collect_rows(source)
    if table is None:
        raise RosterImportError(
            _("在文件的前 %(n)d 行里没有找到表头（需要“姓名”“身份证号”“所属工会”等列）。请使用导入模板。")
            % {"n": HEADER_SEARCH_ROWS}
        )
    if not table.row_numbers:
        raise RosterImportError(_("文件里除了表头没有数据行。"))
    return table


def _collect_rows(source: Iterator[tuple[int, list[Any]]]) -> RosterTable | None:
    """The table's columns of each row after the header, text with its spaces collapsed."""
    table: RosterTable | None = None
    positions: list[int] = []
    for number, values in source:
        if table is None:
            headers = [canonical_header(v) for v in values]
            if NAME in headers and ID_NUMBER in headers:
                table = _table_from_headers(headers)
                positions = [headers.index(h) for h in table.headers]
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        row = [_cell(values[i]) if i < len(values) else None for i in positions]
        if not any(value is not None for value in row):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise _too_many_rows(len(table.rows) + 1)
        table.rows.append(row)
        table.row_numbers.append(number)
    return table


def _cell(value: Any) -> Any:
    if value.__class__ is str:
        return " ".join(value.split()) or None
    return value


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
