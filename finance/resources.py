"""The raw ledger through django-import-export: the 经审 review's export, and the treasurer's import.

Export: every entry of a unit and year, one row each, as the auditor checks them (凭证号, 日期,
科目, 借/贷, 金额, 红字冲销, 摘要, 对方, 来源, 记账人). Read-only: anyone who may read the books.
Text cells go through union_office.xlsx.safe_cell (a 摘要 typed as "=…" stays text).

Import: new entries only, never a change to an existing one (the ledger is append-only). Each row
is booked through services.book_entry, so it gets the next voucher number and the same checks as
the booking form (leaf account, open month, budget, no future date) and its own audit entry.
The whole file goes in one transaction: the preview (dry run) books every row and rolls back,
the import commits only when no row failed, otherwise nothing is kept and each failing row is
reported as "第 N 行：…". Every row carries the source key import:<file digest>:<row>, so the same
file imported twice is refused row by row instead of booked twice.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX

from members import access
from members.models import OrgUnit
from union_office import sheets
from union_office.office_package import check_office_package
from union_office.xlsx import FORMULA_TRIGGERS, safe_cell

from . import services
from .models import Account, LedgerEntry
from .money import CENT

MAX_IMPORT_ROWS = 2_000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
# What a 2,000-row ledger can need, with room to spare: a real one is under 1 MB of XML. openpyxl
# reads a sheet without a <dimension> twice, at about 2 MB/s: this bounds the time a crafted file costs.
MAX_IMPORT_UNZIPPED_BYTES = 5 * 1024 * 1024
MAX_IMPORT_COLUMNS = 50
# Rows read before giving up, blank ones included (formatted but empty rows under the entries).
MAX_IMPORT_SHEET_ROWS = 2 * MAX_IMPORT_ROWS
# Excel's first row is the header, so data row n of the dataset is line n + 1 of the sheet.
HEADER_LINES = 1

# Column names are the file format, the same in every language (an exported file imports back).
DATE, ACCOUNT, AMOUNT, SUMMARY, COUNTERPARTY = "日期", "科目编码", "金额", "摘要", "往来单位/个人"
VOUCHER, REVERSAL = "凭证号", "红字冲销"
REQUIRED_COLUMNS = (DATE, ACCOUNT, AMOUNT, SUMMARY)
OPTIONAL_COLUMNS = (COUNTERPARTY,)


# --- Export -----------------------------------------------------------------------------------------


class SafeText(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return safe_cell("" if value is None else str(value))


class LedgerExportResource(resources.ModelResource):
    unit = fields.Field(column_name="单位", attribute="org_unit__name", widget=SafeText())
    voucher = fields.Field(column_name=VOUCHER)
    date = fields.Field(column_name=DATE, attribute="date")
    account_code = fields.Field(column_name=ACCOUNT, attribute="account__code")
    account_name = fields.Field(column_name="科目名称", attribute="account__name", widget=SafeText())
    direction = fields.Field(column_name="借贷")
    amount = fields.Field(column_name=AMOUNT, attribute="amount")
    signed_amount = fields.Field(column_name="发生额", attribute="signed_amount")
    reversal = fields.Field(column_name=REVERSAL)
    summary = fields.Field(column_name=SUMMARY, attribute="summary", widget=SafeText())
    counterparty = fields.Field(column_name=COUNTERPARTY, attribute="counterparty", widget=SafeText())
    source = fields.Field(column_name="来源", attribute="source_key", widget=SafeText())
    booked_by = fields.Field(column_name="记账人")
    booked_at = fields.Field(column_name="记账时间")

    class Meta:
        model = LedgerEntry
        fields = (
            "unit",
            "voucher",
            "date",
            "account_code",
            "account_name",
            "direction",
            "amount",
            "signed_amount",
            "reversal",
            "summary",
            "counterparty",
            "source",
            "booked_by",
            "booked_at",
        )
        export_order = fields

    def dehydrate_voucher(self, entry: LedgerEntry) -> str:
        return entry.voucher_label

    def dehydrate_direction(self, entry: LedgerEntry) -> str:
        return str(entry.direction)

    def dehydrate_amount(self, entry: LedgerEntry) -> Decimal:
        return entry.amount

    def dehydrate_signed_amount(self, entry: LedgerEntry) -> Decimal:
        return entry.signed_amount

    def dehydrate_reversal(self, entry: LedgerEntry) -> str:
        if entry.reverses_id is None:
            return ""
        return _("是（冲销 %(voucher)s）") % {"voucher": entry.reverses.voucher_label}

    def dehydrate_booked_by(self, entry: LedgerEntry) -> str:
        user = entry.booked_by
        return safe_cell(user.get_full_name() or user.get_username()) if user else ""

    def dehydrate_booked_at(self, entry: LedgerEntry) -> str:
        from django.utils import timezone

        return timezone.localtime(entry.booked_at).strftime("%Y-%m-%d %H:%M:%S")


def export_entries(queryset: QuerySet[LedgerEntry]) -> bytes:
    """The entries as an .xlsx sheet (one header row, then one row per entry), for the 经审 review."""
    ordered = queryset.select_related("org_unit", "account", "booked_by", "reverses").order_by("year", "voucher_number")
    dataset = LedgerExportResource().export(queryset=ordered)
    return XLSX().export_data(dataset)


# --- Import -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Cell text, stripped, with an export's formula guard (a leading ') taken off again."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


class ImportDateWidget(widgets.Widget):
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _text(value)
        if not text:
            raise ValueError(_("请填写日期。"))
        for pattern in self.FORMATS:
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(_("日期“%(value)s”无法识别，请写成 2026-01-15。") % {"value": text})


class ImportAccountWidget(widgets.Widget):
    def __init__(self, accounts: dict[str, Account]) -> None:
        super().__init__()
        self.accounts = accounts

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Account:
        code = _text(value)
        if code.endswith(".0"):  # a code typed as a number comes back from Excel as 50201.0
            code = code[:-2]
        if not code:
            raise ValueError(_("请填写科目编码。"))
        try:
            return self.accounts[code]
        except KeyError:
            raise ValueError(_("科目编码“%(code)s”不存在。") % {"code": code}) from None


class ImportAmountWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal:
        if isinstance(value, float):
            # openpyxl reads a number cell as float; its shortest repr is what was typed (300.1).
            value = repr(value)
        text = _text(value).replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
        if not text:
            raise ValueError(_("请填写金额。"))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("金额“%(value)s”不是数字。") % {"value": text}) from None
        if not amount.is_finite() or amount <= 0:
            raise ValueError(_("金额必须大于 0（冲销请在凭证页面办理红字冲销）。"))
        if amount != amount.quantize(CENT):
            raise ValueError(_("金额“%(value)s”最多两位小数（元、角、分）。") % {"value": text})
        return amount


class ImportTextWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return _text(value)


class LedgerImportResource(resources.ModelResource):
    """One row = one new entry, booked through services.book_entry (see the module docstring)."""

    class Meta:
        model = LedgerEntry
        fields = ()
        skip_diff = True
        use_transactions = True

    def __init__(self, *, actor: Any, org_unit: OrgUnit, file_digest: str) -> None:
        super().__init__()
        self.actor = actor
        self.org_unit = org_unit
        self.file_digest = file_digest
        self.booked: list[LedgerEntry] = []
        accounts = {account.code: account for account in Account.objects.all()}
        self.fields = {
            "date": fields.Field(attribute="date", column_name=DATE, widget=ImportDateWidget()),
            "account": fields.Field(attribute="account", column_name=ACCOUNT, widget=ImportAccountWidget(accounts)),
            "amount": fields.Field(attribute="amount", column_name=AMOUNT, widget=ImportAmountWidget()),
            "summary": fields.Field(attribute="summary", column_name=SUMMARY, widget=ImportTextWidget()),
            "counterparty": fields.Field(attribute="counterparty", column_name=COUNTERPARTY, widget=ImportTextWidget()),
        }

    def get_instance(self, instance_loader: Any, row: Any) -> None:
        return None  # every row is a new entry: the import never finds, changes or deletes one

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        if _text(row.get(VOUCHER)):
            raise ValidationError(
                _(
                    "凭证号“%(voucher)s”已填写：导入只新增凭证，凭证号由系统按顺序编号，不能修改已有凭证；请清空凭证号列。"
                )
                % {"voucher": _text(row.get(VOUCHER))}
            )
        if _text(row.get(REVERSAL)) not in ("", _("否")):
            raise ValidationError(_("红字冲销不能导入，请在原凭证页面办理冲销。"))

    def save_instance(self, instance: LedgerEntry, is_create: bool, row: Any, **kwargs: Any) -> None:
        row_number = kwargs["row_number"]
        try:
            entry = services.book_entry(
                actor=self.actor,
                org_unit=self.org_unit,
                date=instance.date,
                account=instance.account,
                amount=instance.amount,
                summary=instance.summary,
                counterparty=instance.counterparty,
                source_key=f"import:{self.file_digest[:24]}:{row_number}",
            )
        except services.FinanceError as exc:
            raise ValidationError(exc.messages) from None
        self.booked.append(entry)


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not .xlsx, no header, too big): nothing was tried."""


@dataclass
class ImportOutcome:
    rows: int
    booked: list[LedgerEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def total(self) -> Decimal:
        return sum((entry.amount for entry in self.booked), Decimal("0.00"))


def read_dataset(data: bytes) -> Any:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(_("文件超过 2 MB，请分批导入。"))
    unreadable = ImportFileError(_("无法读取文件：请上传 Excel（.xlsx）文件，第一行为列名。"))
    if not data.startswith(b"PK\x03\x04"):
        raise unreadable
    stream = BytesIO(data)
    try:
        check_office_package(stream, max_unzipped_bytes=MAX_IMPORT_UNZIPPED_BYTES, kind="Excel（.xlsx）")
    except ValidationError as exc:
        raise ImportFileError(exc.messages) from None
    try:
        dataset = _first_sheet(stream)
    except ImportFileError:
        raise
    except Exception:
        raise unreadable from None
    for column in OPTIONAL_COLUMNS:
        if column not in dataset.headers:
            dataset.append_col([""] * dataset.height, header=column)
    if not dataset.height:
        raise ImportFileError(_("文件中没有凭证行。"))
    return dataset


def _too_many_rows() -> ImportFileError:
    return ImportFileError(_("一次最多导入 %(max)s 行，请分批导入。") % {"max": MAX_IMPORT_ROWS})


def _first_sheet(stream: BytesIO) -> tablib.Dataset:
    """The first sheet as a Dataset, its first row the headers, read within bounds.

    Read with the roster import's reader (union_office.sheets, python-calamine), after its scan of
    the sheet's XML: a 1 KB sheet with a cell at XFD1048576 would otherwise be built as a grid of
    17 billion cells. Columns past MAX_IMPORT_COLUMNS are dropped; blank rows are not entries.
    """
    try:
        sheets.sheet_scan(stream, "xlsx", max_rows=MAX_IMPORT_SHEET_ROWS)
        rows = sheets.first_sheet_rows(stream)
        _number, first = next(rows, (0, []))
        header = [_text(value) for value in first[:MAX_IMPORT_COLUMNS]]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise ImportFileError(
                _("缺少列：%(columns)s。第一行须有列名：日期、科目编码、金额、摘要，可选 往来单位/个人。")
                % {"columns": "、".join(missing)}
            )
        width = len(header)
        kept = []
        for _number, values in rows:
            if len(kept) >= MAX_IMPORT_ROWS:
                raise _too_many_rows()
            kept.append(tuple(values[:width]) + (None,) * (width - len(values)))
    except ValidationError as exc:
        if exc.code == "too_many_rows":
            raise ImportFileError(
                _("工作表超过 %(max)s 行（空行也算），请删去多余的行后再导入。") % {"max": MAX_IMPORT_SHEET_ROWS}
            ) from None
        raise ImportFileError(exc.messages) from None
    return tablib.Dataset(*kept, headers=header)


def ledger_import(*, actor: Any, org_unit: OrgUnit, data: bytes, commit: bool) -> ImportOutcome:
    """Book the file's rows as new entries of `org_unit`: all of them (commit, no row failed) or none.

    With commit=False (the preview) every row is booked and rolled back, so the preview shows the
    voucher numbers and every refusal the real import would give. Raises ImportFileError for an
    unreadable file and PermissionDenied for anyone but the unit's treasurer.
    """
    access.require(actor, services.CHANGE_LEDGER, org_unit)
    dataset = read_dataset(data)
    resource = LedgerImportResource(actor=actor, org_unit=org_unit, file_digest=hashlib.sha256(data).hexdigest())
    result = resource.import_data(
        dataset,
        dry_run=not commit,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    errors = []
    for invalid in result.invalid_rows:
        messages = [m for field_messages in invalid.error_dict.values() for m in field_messages]
        errors.append((invalid.number, messages))
    for number, row_errors in result.row_errors():
        errors.append((number, [str(error.error) for error in row_errors]))
    lines = [
        _("第 %(line)s 行：%(message)s") % {"line": number + HEADER_LINES, "message": " ".join(messages)}
        for number, messages in sorted(errors, key=lambda item: item[0])
    ]
    lines += [str(error.error) for error in result.base_errors]
    committed = commit and not lines
    return ImportOutcome(
        rows=dataset.height, booked=resource.booked if not lines else [], errors=lines, committed=committed
    )
