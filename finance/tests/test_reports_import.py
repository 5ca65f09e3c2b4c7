"""The raw ledger for the 经审 review: export (read-only, also for the auditor) and the treasurer's
import, which books new entries through the service, all or nothing, and never changes old ones."""

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from finance import resources
from finance.models import LedgerEntry
from finance.tests.builders import approved_budget, book
from union_office.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = ["日期", "科目编码", "金额", "摘要", "往来单位/个人"]


@pytest.fixture
def books(org, treasurer):
    approved_budget(org.school, 2026, {"502": "5000.00"})
    return [
        book(treasurer, org.school, "401", "1000.00", dt.date(2026, 1, 5), summary='=HYPERLINK("x")'),
        book(treasurer, org.school, "50201", "300.00", dt.date(2026, 1, 8), summary="帮扶", counterparty="张三"),
    ]


def xlsx_file(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    [dt.datetime(2026, 2, 3), "401", 1200.5, "2月会费", ""],
    ["2026-02-04", 50201, "200", "帮扶李四", "李四"],
    ["2026/02/05", "50202", "1,000.00", "春节慰问", None],
]


def preview(client, org, data: bytes):
    upload = BytesIO(data)
    upload.name = "凭证.xlsx"
    return client.post(reverse("finance:ledger_import"), {"unit": org.school.pk, "step": "preview", "file": upload})


def test_export_lists_every_entry_for_the_auditor(login, org, books, auditor):
    response = login(auditor).get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": 2026})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:4] == ["单位", "凭证号", "日期", "科目编码"]
    assert [row[1] for row in rows[1:]] == ["2026-0001", "2026-0002"]
    summary = rows[1][header.index("摘要")]
    assert summary == '\'=HYPERLINK("x")'  # formula injection neutralised
    assert Decimal(str(rows[2][header.index("金额")])) == Decimal("300.00")
    assert rows[2][header.index("借贷")] == "借"


def test_export_queries_do_not_grow(login, org, books, treasurer):
    client = login(treasurer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": 2026})
    for day in range(10, 20):
        book(treasurer, org.school, "401", "1.00", dt.date(2026, 1, day))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": 2026})
    assert len(many) == len(few)


def test_preview_books_nothing_and_commit_books_all_rows_in_order(login, org, books, treasurer):
    client = login(treasurer)
    data = xlsx_file(GOOD_ROWS)
    before = LedgerEntry.objects.count()
    response = preview(client, org, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-0003" in page and "2026-0005" in page and "确认导入 3 笔" in page
    assert LedgerEntry.objects.count() == before
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("finance:ledger_import"), {"unit": org.school.pk, "step": "commit", "payload": payload}
    )
    assert response.status_code == 302
    new = list(LedgerEntry.objects.filter(org_unit=org.school).order_by("voucher_number")[2:])
    assert [(e.voucher_number, e.account.code, e.amount, e.summary) for e in new] == [
        (3, "401", Decimal("1200.50"), "2月会费"),
        (4, "50201", Decimal("200.00"), "帮扶李四"),
        (5, "50202", Decimal("1000.00"), "春节慰问"),
    ]
    assert all(e.booked_by == treasurer and e.source_key.startswith("import:") for e in new)
    assert AuditEntry.objects.filter(action="finance.entry.book").count() == 5
    # The same file again: every row already booked, nothing added.
    outcome = resources.ledger_import(actor=treasurer, org_unit=org.school, data=data, commit=True)
    assert not outcome.committed and len(outcome.errors) == 3 and "已经记过账" in outcome.errors[0]
    assert LedgerEntry.objects.count() == before + 3


def test_one_bad_row_books_nothing_and_says_which_row(org, books, treasurer):
    rows = [
        *GOOD_ROWS,
        ["2026-02-30", "401", "5", "坏日期", ""],
        ["2026-02-06", "999", "5", "没有的科目", ""],
        ["2026-02-06", "502", "5", "非明细科目", ""],
        ["2026-02-06", "401", "-5", "负数", ""],
        ["2026-02-06", "401", "1.234", "三位小数", ""],
        ["2026-02-06", "503", "5", "无预算", ""],
        ["2026-02-06", "401", "5", "", ""],
    ]
    before = (LedgerEntry.objects.count(), AuditEntry.objects.count())
    outcome = resources.ledger_import(actor=treasurer, org_unit=org.school, data=xlsx_file(rows), commit=True)
    assert not outcome.committed and outcome.booked == []
    assert (LedgerEntry.objects.count(), AuditEntry.objects.count()) == before
    errors = "\n".join(outcome.errors)
    assert [int(n) for n in re.findall(r"第 (\d+) 行", errors)] == [5, 6, 7, 8, 9, 10, 11]
    for text in (
        "日期“2026-02-30”无法识别",
        "科目编码“999”不存在",
        "下设明细科目",
        "金额必须大于 0",
        "最多两位小数",
        "预算",
        "请填写摘要",
    ):
        assert text in errors, text
    # The voucher counter was rolled back too: the next booking gets number 3.
    assert book(treasurer, org.school, "401", "1.00", dt.date(2026, 2, 1)).voucher_number == 3


def test_import_never_changes_existing_entries(org, books, treasurer, login):
    exported = login(treasurer).get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": 2026}).content
    outcome = resources.ledger_import(actor=treasurer, org_unit=org.school, data=exported, commit=True)
    assert not outcome.committed
    assert all("导入只新增凭证" in error for error in outcome.errors) and len(outcome.errors) == 2
    assert LedgerEntry.objects.count() == 2


def test_closed_month_is_refused(org, books, treasurer):
    from finance import services

    services.close_month(actor=treasurer, org_unit=org.school, year=2026, month=1)
    outcome = resources.ledger_import(
        actor=treasurer, org_unit=org.school, data=xlsx_file([["2026-01-20", "401", "5", "补记", ""]]), commit=True
    )
    assert not outcome.committed and "结账" in outcome.errors[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a spreadsheet", "无法读取文件"),
        (xlsx_file([["2026-02-01", "401"]], header=["日期", "科目编码"]), "缺少列：金额、摘要"),
        (xlsx_file([]), "没有凭证行"),
    ],
)
def test_unreadable_files_get_one_clear_message(login, org, books, treasurer, data, message):
    response = preview(login(treasurer), org, data)
    assert response.status_code == 400 and message in response.content.decode()


def test_auditor_and_chair_may_not_import(org, books, auditor, chair):
    from django.core.exceptions import PermissionDenied

    for user in (auditor, chair):
        with pytest.raises(PermissionDenied):
            resources.ledger_import(actor=user, org_unit=org.school, data=xlsx_file(GOOD_ROWS), commit=True)
    assert LedgerEntry.objects.count() == 2


def test_a_forged_or_foreign_payload_is_refused(login, org, books, treasurer):
    client = login(treasurer)
    response = client.post(reverse("finance:ledger_import"), {"unit": org.school.pk, "step": "commit", "payload": "x"})
    assert response.status_code == 400 and "预览已过期" in response.content.decode()
    assert LedgerEntry.objects.count() == 2
