"""The reports: figures equal the database's aggregates (read back from the .xlsx with openpyxl),
subtotals equal their rows, a fixed number of queries, who may read them, and the PDF."""

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from finance import reports, services
from finance.models import Account, AccountKind, LedgerEntry
from finance.reports import Params
from finance.tests.builders import approved_budget, book
from union_office.paper_checks import office_to_pdf, read_pdf, soffice, write_artifact

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR = dt.date(2026, 1, 15), dt.date(2026, 2, 10), dt.date(2026, 3, 5)
MAR_END = dt.date(2026, 3, 31)
REPORT_KEYS = ["income-expense", "budget-execution", "account-ledger", "aid-usage"]


@pytest.fixture
def books(org, treasurer):
    budget = approved_budget(
        org.school, 2026, {"401": "20000.00", "501": "5000.00", "50201": "3000.00", "50202": "2000.00"}
    )
    entries = [
        book(treasurer, org.school, "401", "12345.67", JAN, summary="1月会费"),
        book(treasurer, org.school, "402", "5000.00", FEB, summary="拨缴经费"),
        book(treasurer, org.school, "50101", "800.00", JAN, summary="拔河比赛"),
        book(treasurer, org.school, "50102", "1200.50", FEB, summary="集体福利"),
        book(treasurer, org.school, "50201", "1000.00", JAN, summary="帮扶张三", counterparty="张三"),
        book(treasurer, org.school, "50201", "500.00", FEB, summary="帮扶李四", counterparty="李四"),
        book(treasurer, org.school, "50202", "300.00", MAR, summary="春节慰问", counterparty="王五"),
    ]
    # A mistake corrected by 红字冲销: both stay in the books, the pair counts zero.
    wrong = book(treasurer, org.school, "50202", "200.00", MAR, summary="重复发放")
    services.reverse_entry(actor=treasurer, entry_id=wrong.pk, reason="重复", date=MAR)
    # Another unit's books never show up in the school's reports.
    approved_budget(org.hospital, 2026, {"502": "5000.00"})
    book(treasurer, org.hospital, "50202", "999.00", MAR, summary="医院慰问")
    book(treasurer, org.hospital, "401", "999.00", JAN, summary="医院会费")
    return {"budget": budget, "entries": entries}


def db_total(org_unit, kind=None, code="", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31)) -> Decimal:
    entries = LedgerEntry.objects.filter(org_unit=org_unit, date__gte=date_from, date__lte=date_to)
    if kind:
        entries = entries.filter(account__kind=kind)
    if code:
        entries = entries.filter(account__code__startswith=code)
    return entries.aggregate(total=Sum("signed_amount"))["total"] or D("0")


def workbook_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).active
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"], "no live formulas"
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    # The table only: the signature row and the blank row above it close every fund workbook.
    assert "单位负责人：" in (rows[-1][0] or "") and not any(rows[-2])
    return rows[:-2]


def row_named(rows: list[tuple], name: str, column: int = 1) -> tuple:
    matches = [row for row in rows if isinstance(row[column], str) and row[column].strip() == name]
    assert len(matches) == 1, (name, matches)
    return matches[0]


def money(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def xlsx(client, key: str, **params) -> bytes:
    response = client.get(reverse("finance:report_xlsx", args=[key]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


# --- 经费收支表 -------------------------------------------------------------------------------------


def test_income_expense_workbook_totals_equal_the_database(login, org, books, treasurer):
    data = xlsx(login(treasurer), "income-expense", unit=org.school.pk, date_from="2026-01-01", date_to="2026-02-28")
    rows = workbook_rows(data)
    assert rows[0][0] == "经费收支表"
    assert "第一中学工会" in rows[1][0] and "2026年1月至2月" in rows[1][2]
    feb_end = dt.date(2026, 2, 28)
    income = row_named(rows, "收入合计")
    expense = row_named(rows, "支出合计")
    assert money(income[2]) == db_total(org.school, AccountKind.INCOME, date_to=feb_end) == D("17345.67")
    assert money(expense[2]) == db_total(org.school, AccountKind.EXPENSE, date_to=feb_end) == D("3500.50")
    assert money(income[3]) == db_total(org.school, AccountKind.INCOME, date_to=feb_end)  # 本年累计 to 28 Feb
    balance = next(row for row in rows if isinstance(row[1], str) and row[1].startswith("收支结余"))
    assert balance[1].startswith("收支结余") and money(balance[2]) == D("17345.67") - D("3500.50")
    # A line with sub-items is the sum of its sub-item rows, and the sections add up their lines.
    by_code = {row[0]: row for row in rows if row[0]}
    assert money(by_code["501"][2]) == money(by_code["50101"][2]) + money(by_code["50102"][2]) == D("2000.50")
    assert money(by_code["502"][2]) == sum(money(by_code[c][2]) for c in ("50201", "50202", "50203")) == D("1500")
    first_level = [row for code, row in by_code.items() if len(code) == 3]
    assert sum(money(r[2]) for r in first_level if r[0].startswith("4")) == money(income[2])
    assert sum(money(r[2]) for r in first_level if r[0].startswith("5")) == money(expense[2])
    assert by_code["50201"][1].startswith("\u3000")  # sub-items indented
    sheet = load_workbook(BytesIO(data)).active
    total_row = list(sheet[rows.index(expense) + 1])
    assert (
        total_row[1].font.b
        and total_row[2].number_format == "#,##0.00;[Red]-#,##0.00"
        and total_row[2].data_type == "n"
    )


def test_income_expense_nets_reversals_and_ignores_other_units(org, books, treasurer):
    report = reports.REPORTS["income-expense"].build(
        Params(unit=org.school, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))
    )
    by_code = {row.values[0]: row.values for row in report.rows if row.values[0]}
    assert by_code["50202"][2] == D("300.00")  # 300 + 200 - 200


# --- 预算执行情况表 ---------------------------------------------------------------------------------


def test_budget_execution_workbook(login, org, books, chair):
    rows = workbook_rows(xlsx(login(chair), "budget-execution", unit=org.school.pk, year=2026))
    assert rows[0][0] == "预算执行情况表"
    assert rows[2][2] == "上年决算" and rows[2][3] == "本年预算" and rows[3][3] == "预算数" and rows[3][8] == "完成率"
    by_code = {row[0]: row for row in rows if row[0] and row[0] not in ("科目编码",)}
    # 502 has no line of its own: its budget is the sum of its sub-items' lines.
    assert money(by_code["502"][6]) == D("5000.00") and money(by_code["502"][7]) == D("1800.00")
    assert money(by_code["502"][9]) == D("3200.00")
    assert D(str(by_code["502"][8])) == D("0.36")
    assert money(by_code["501"][7]) == db_total(org.school, code="501") == D("2000.50")
    expense = row_named(rows, "支出合计")
    assert money(expense[7]) == db_total(org.school, AccountKind.EXPENSE)
    assert money(expense[6]) == D("10000.00")  # 501 5000 + 502 (3000 + 2000)
    assert money(expense[6]) == sum(money(r[6] or 0) for c, r in by_code.items() if len(c) == 3 and c[0] == "5")
    income = row_named(rows, "收入合计")
    assert money(income[7]) == db_total(org.school, AccountKind.INCOME) and money(income[3]) == D("20000.00")


def test_budget_execution_counts_adjustments(org, books, chair):
    services.budget_adjust(
        actor=chair,
        budget_id=books["budget"].pk,
        account=Account.objects.get(code="50201"),
        amount="500",
        reason="追加",
    )
    report = reports.REPORTS["budget-execution"].build(Params(unit=org.school, year=2026))
    row = next(r.values for r in report.rows if r.values[0] == "50201")
    assert row[5] == D("500") and row[6] == D("3500.00") and row[9] == D("2000.00")


def test_budget_execution_without_a_budget_shows_the_actuals(org, books):
    report = reports.REPORTS["budget-execution"].build(Params(unit=org.county, year=2026))
    assert "尚未编制" in report.notes[0]
    assert all(row.values[3] is None for row in report.rows if row.values[0])


# --- 明细账 -----------------------------------------------------------------------------------------


def test_account_ledger_running_balance_and_month_rows(login, org, books, auditor):
    rows = workbook_rows(
        xlsx(
            login(auditor),
            "account-ledger",
            unit=org.school.pk,
            account="502",
            date_from="2026-02-01",
            date_to="2026-03-31",
        )
    )
    assert rows[0][0] == "维权支出明细账"
    header = rows[2]
    assert header[:4] == ("日期", "凭证号", "摘要", "对方单位/个人") and header[5:] == (
        "借方",
        "贷方",
        "借或贷",
        "余额",
    )
    body = rows[3:]
    assert body[0][2] == "期初余额" and money(body[0][8]) == D("1000.00") and body[0][7] == "借"
    summaries = [row[2] for row in body]
    assert summaries == [
        "期初余额",
        "帮扶李四",
        "2月 本月合计",
        "本年累计",
        "春节慰问",
        "重复发放",
        "冲销 2026-0008 号凭证：重复",
        "3月 本月合计",
        "本年累计",
        "本期合计",
    ]
    assert money(body[-1][5]) == db_total(org.school, code="502", date_from=dt.date(2026, 2, 1)) == D("800.00")
    assert money(body[-1][8]) == db_total(org.school, code="502") == D("1800.00")
    reversal = body[6]
    assert money(reversal[5]) == D("-200.00")  # red ink: negative in the 借方 column
    march = row_named(body, "3月 本月合计", column=2)
    assert money(march[5]) == D("300.00") and money(march[8]) == D("1800.00")
    year = [row for row in body if row[2] == "本年累计"][-1]
    assert money(year[5]) == D("1800.00")


def test_income_ledger_is_on_the_credit_side(org, books):
    report = reports.REPORTS["account-ledger"].build(
        Params(unit=org.school, account=Account.objects.get(code="401"), date_from=JAN, date_to=dt.date(2026, 12, 31))
    )
    rows = [row.values for row in report.rows]
    entry = rows[1]
    assert entry[4] is None and entry[5] == D("12345.67") and entry[6] == "贷"
    assert report.totals[5] == D("12345.67") and report.entry_count == 1


def test_account_ledger_needs_one_year(login, org, books, treasurer):
    client = login(treasurer)
    params = {"unit": org.school.pk, "account": "401", "date_from": "2025-12-01", "date_to": "2026-01-31"}
    response = client.get(reverse("finance:report", args=["account-ledger"]), params)
    assert response.status_code == 200 and "同一年度" in response.content.decode()
    assert client.get(reverse("finance:report_xlsx", args=["account-ledger"]), params).status_code == 400


# --- 帮扶资金使用情况 -------------------------------------------------------------------------------


def test_aid_usage_by_month(login, org, books, treasurer):
    rows = workbook_rows(
        xlsx(login(treasurer), "aid-usage", unit=org.school.pk, date_from="2026-01-01", date_to="2026-06-30")
    )
    assert rows[2][1] == "困难职工帮扶" and rows[2][3] == "送温暖" and rows[3][1:3] == ("笔数", "金额")
    months = {row[0]: row for row in rows[4:-1]}
    assert list(months) == [f"2026年{m}月" for m in range(1, 7)]
    assert months["2026年3月"][3:5] == (1, 300)  # the reversed payout is counted out
    totals = rows[-1]
    aid = LedgerEntry.objects.filter(org_unit=org.school, account__code__startswith="502")
    assert money(totals[-1]) == db_total(org.school, code="502") == D("1800.00")
    net_count = aid.aggregate(n=Count("pk", filter=Q(is_reversal=False)) - Count("pk", filter=Q(is_reversal=True)))
    assert totals[-2] == net_count["n"] == 3
    assert money(totals[2]) == sum(money(row[2]) for row in months.values()) == D("1500.00")


def test_aid_usage_by_source(org, books):
    report = reports.REPORTS["aid-usage"].build(Params(unit=org.school, date_from=JAN, date_to=MAR, group="source"))
    rows = [row.values for row in report.rows]
    assert [row[0] for row in rows] == ["其他"]
    assert rows[0][-1] == D("1800.00")


# --- Queries, access, pages, PDF -------------------------------------------------------------------


def count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("key", REPORT_KEYS)
def test_queries_do_not_grow_with_the_entries(login, org, books, treasurer, key):
    client = login(treasurer)
    params = {"unit": org.school.pk, "year": 2026, "account": "502", "date_from": "2026-01-01", "date_to": "2026-03-31"}
    for view in ("finance:report", "finance:report_xlsx"):
        url = reverse(view, args=[key])
        few = count_queries(client, url, params)
        for day in (1, 2, 3):
            for code in ("50201", "50202", "401", "50101"):
                book(treasurer, org.school, code, "10.00", dt.date(2026, 3, day))
        assert count_queries(client, url, params) == few, view


def test_report_pages_show_the_figures(login, org, books, auditor):
    client = login(auditor)
    for key in REPORT_KEYS:
        response = client.get(reverse("finance:report", args=[key]), {"unit": org.school.pk, "year": 2026})
        assert response.status_code == 200
        page = response.content.decode()
        assert str(reports.REPORTS[key].title) in page and "导出 Excel" in page
    page = client.get(reverse("finance:report", args=["income-expense"]), {"unit": org.school.pk}).content.decode()
    assert "12,345.67" in page and "收入合计" in page
    assert client.get(reverse("finance:reports")).status_code == 200


def test_strangers_get_404_and_readers_cannot_post(login, org, books, chair, auditor, committee, member, outsider):
    urls = [reverse("finance:reports"), reverse("finance:ledger_export"), reverse("finance:ledger_import")]
    for key in REPORT_KEYS:
        urls += [reverse(name, args=[key]) for name in ("finance:report", "finance:report_xlsx", "finance:report_pdf")]
    for user in (committee, member, outsider):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in (chair, auditor):
        client = login(user)
        assert client.post(reverse("finance:report", args=["income-expense"])).status_code == 405
        assert client.get(reverse("finance:ledger_import")).status_code == 403
        assert client.post(reverse("finance:ledger_import"), {"unit": org.school.pk}).status_code == 403
    assert login(chair).get(reverse("finance:report", args=["no-such"])).status_code == 404


def test_a_unit_outside_the_scope_is_refused(login, org, books, treasurer):
    client = login(treasurer)
    response = client.get(reverse("finance:report_xlsx", args=["income-expense"]), {"unit": org.hospital.pk})
    assert response.status_code == 400


def test_pdf_renders_the_report(login, org, books, treasurer):
    response = login(treasurer).get(
        reverse("finance:report_pdf", args=["budget-execution"]), {"unit": org.school.pk, "year": 2026}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "预算执行情况表" in text and "第一中学工会" in text and "支出合计" in text


def test_pdf_of_a_huge_ledger_is_refused(login, org, books, treasurer, monkeypatch):
    from finance.views import reports as report_views

    monkeypatch.setattr(report_views, "PDF_MAX_ENTRIES", 2)
    response = login(treasurer).get(
        reverse("finance:report_pdf", args=["account-ledger"]), {"unit": org.school.pk, "account": "502"}
    )
    assert response.status_code == 400 and "导出 Excel" in response.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2026-01-01", "2026-12-31", "2026年度"),
        ("2026-03-01", "2026-03-31", "2026年3月"),
        ("2026-01-01", "2026-06-30", "2026年1月至6月"),
        ("2026-01-05", "2026-03-20", "2026年1月5日至2026年3月20日"),
        ("2025-12-01", "2026-01-31", "2025年12月1日至2026年1月31日"),
    ],
)
def test_period_labels(start, end, label):
    assert reports.period_label(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == label


def test_a_long_ledger_page_is_cut_and_says_so(login, org, books, treasurer, monkeypatch):
    from finance.views import reports as report_views

    monkeypatch.setattr(report_views, "PAGE_ROWS", 3)
    response = login(treasurer).get(
        reverse("finance:report", args=["account-ledger"]), {"unit": org.school.pk, "account": "502"}
    )
    page = response.content.decode()
    assert "页面只显示前 3 行" in page and "帮扶张三" in page and "春节慰问" not in page


# --- As paper: signature rows, red negatives, pages (openpyxl and LibreOffice) ---------------------


@pytest.mark.parametrize("key", REPORT_KEYS)
def test_every_fund_workbook_ends_with_the_signature_row(login, org, books, treasurer, key):
    params = {"unit": org.school.pk, "date_from": "2026-01-01", "date_to": "2026-03-31", "year": 2026}
    if key == "account-ledger":
        params["account"] = "50202"
    data = xlsx(login(treasurer), key, **params)
    sheet = load_workbook(BytesIO(data)).active
    (last,) = [c.value for c in sheet[sheet.max_row] if c.value]
    assert last.split() == ["单位负责人：", "经审委员会：", "会计：", "制表："]
    assert all(c.value is None for c in sheet[sheet.max_row - 1])  # a blank row above it
    money_cells = [
        c for row in sheet.iter_rows(min_row=4) for c in row if c.data_type == "n" and "#,##0.00" in c.number_format
    ]
    assert money_cells and all("[Red]" in c.number_format for c in money_cells)
    fonts = {c.font.name for row in sheet.iter_rows() for c in row if c.value is not None}
    assert fonts == {"宋体"}


def test_a_reversal_shows_red_in_the_ledger(login, org, books, treasurer):
    data = xlsx(
        login(treasurer),
        "account-ledger",
        unit=org.school.pk,
        date_from="2026-03-01",
        date_to="2026-03-31",
        account="50202",
    )
    sheet = load_workbook(BytesIO(data)).active
    negatives = [
        c
        for row in sheet.iter_rows(min_row=4)
        for c in row
        if c.data_type == "n" and c.value is not None and c.value < 0
    ]
    assert negatives, "the 红字冲销 line carries a negative amount"
    assert all(c.number_format == "#,##0.00;[Red]-#,##0.00" for c in negatives)


def test_income_expense_workbook_prints_portrait_and_the_budget_landscape(login, org, books, treasurer):
    client = login(treasurer)
    statement = load_workbook(
        BytesIO(xlsx(client, "income-expense", unit=org.school.pk, date_from="2026-01-01", date_to="2026-03-31"))
    ).active
    assert statement.page_setup.orientation == "portrait"
    execution = load_workbook(BytesIO(xlsx(client, "budget-execution", unit=org.school.pk, year=2026))).active
    assert execution.page_setup.orientation == "landscape"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed (install-system-packages --with-browser)")
def test_income_expense_workbook_in_an_office_suite_is_one_page_with_its_signatures(login, org, books, treasurer):
    data = xlsx(login(treasurer), "income-expense", unit=org.school.pk, date_from="2026-01-01", date_to="2026-03-31")
    pages = read_pdf(write_artifact("income-expense-office.pdf", office_to_pdf(data, ".xlsx")))
    assert len(pages) == 1
    text = pages[0].text
    assert "经费收支表" in text and "单位负责人：" in text and "制表：" in text
    assert "2026年1月至3月" in text  # the period line is not clipped


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed (install-system-packages --with-browser)")
@pytest.mark.parametrize(
    ("key", "params", "headers"),
    [
        ("budget-execution", {"year": 2026}, ["完成率", "剩余"]),
        ("account-ledger", {"account": "502", "date_from": "2026-01-01", "date_to": "2026-03-31"}, ["凭证号"]),
        ("aid-usage", {"date_from": "2026-01-01", "date_to": "2026-03-31"}, []),
    ],
)
def test_the_other_fund_workbooks_in_an_office_suite(login, org, books, treasurer, key, params, headers):
    """Issue 18: each workbook as LibreOffice prints it: one page for these books, every header
    and the signature row whole (not clipped by a narrow or short cell)."""
    data = xlsx(login(treasurer), key, unit=org.school.pk, **params)
    pages = read_pdf(write_artifact(f"{key}-office.pdf", office_to_pdf(data, ".xlsx")))
    assert len(pages) == 1
    text = pages[0].text
    header = workbook_rows(data)[2]
    for title in [str(value) for value in header if value] + headers:
        assert title in text, title
    for signature in ("单位负责人：", "经审委员会：", "会计：", "制表："):
        assert signature in text


def test_opening_balance_once_and_the_closing_balance_in_the_workbook(login, org, books, treasurer, member):
    from django.core.exceptions import PermissionDenied

    from finance.models import OpeningBalance
    from finance.services import FinanceError
    from union_office.models import AuditEntry

    client = login(treasurer)
    params = {"unit": org.school.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"}
    rows = workbook_rows(xlsx(client, "income-expense", **params))
    assert row_named(rows, "上年结余")[3] is None and row_named(rows, "本年结余（上年结余＋收支结余）")[3] is None

    services.opening_balance_record(actor=treasurer, org_unit=org.school, year=2026, amount="-1,234.50")
    assert AuditEntry.objects.filter(action="finance.opening_balance.record").count() == 1
    with pytest.raises(FinanceError, match="已录入"):
        services.opening_balance_record(actor=treasurer, org_unit=org.school, year=2026, amount="1.00")
    with pytest.raises(FinanceError, match="金额"):
        services.opening_balance_record(actor=treasurer, org_unit=org.school, year=2027, amount="12.345")
    with pytest.raises(PermissionDenied):
        services.opening_balance_record(actor=member, org_unit=org.school, year=2028, amount="1.00")

    sheet = load_workbook(BytesIO(xlsx(client, "income-expense", **params))).active
    rows = workbook_rows(xlsx(client, "income-expense", **params))
    opening = money(row_named(rows, "上年结余")[3])
    income, expense = money(row_named(rows, "收入合计")[3]), money(row_named(rows, "支出合计")[3])
    closing = money(row_named(rows, "本年结余（上年结余＋收支结余）")[3])
    assert opening == OpeningBalance.objects.get(org_unit=org.school, year=2026).amount == D("-1234.50")
    assert opening + income - expense == closing
    assert income - expense == db_total(org.school, AccountKind.INCOME, date_to=MAR_END) - db_total(
        org.school, AccountKind.EXPENSE, date_to=MAR_END
    )
    opening_cell = next(c for row in sheet.iter_rows() for c in row if c.value == float(opening) or c.value == opening)
    assert "[Red]" in opening_cell.number_format


def test_opening_balance_command_goes_through_the_service(org, treasurer):
    from django.core.management import CommandError, call_command

    from finance.models import OpeningBalance

    call_command("record_opening_balance", unit=str(org.school.pk), year=2025, amount="800.00", user=treasurer.username)
    assert OpeningBalance.objects.get(org_unit=org.school, year=2025).amount == D("800.00")
    with pytest.raises(CommandError, match="已录入"):
        call_command("record_opening_balance", unit=str(org.school.pk), year=2025, amount="1", user=treasurer.username)


def test_every_export_is_audited_under_its_unit(login, org, books, auditor):
    """Issue 17, finding 6: fund reports (xlsx, PDF) and the raw ledger leave an audit entry."""
    from union_office.models import AuditEntry, AuditKind

    client = login(auditor)
    params = {"unit": org.school.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"}
    xlsx(client, "income-expense", **params)
    assert client.get(reverse("finance:report_pdf", args=["income-expense"]), params).status_code == 200
    client.get(reverse("finance:ledger_export"), {"unit": org.school.pk, "year": 2026})
    entries = AuditEntry.objects.filter(kind=AuditKind.EXPORT, actor=auditor).order_by("pk")
    assert [e.action for e in entries] == [
        "finance.report.export_xlsx",
        "finance.report.export_pdf",
        "finance.ledger.export",
    ]
    assert {e.org_unit_pk for e in entries} == {org.school.pk}
