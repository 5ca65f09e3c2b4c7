"""Browser walk of the treasurer's month end (issue 5): the demo treasurer books a few entries,
closes March, reads the 预算执行情况表 and downloads it as Excel, whose totals are the database's.
Screenshots of every report page go to test-artifacts/screenshots/finance-report-*.png."""

from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHOOL = "清河县第一中学工会"
BOOKINGS = [
    ("2026-05-08", "50201 困难职工帮扶", "1500.00", "困难职工帮扶：王老师家属住院", "王芳"),
    ("2026-05-12", "50101 文体活动", "2600.00", "教职工篮球赛场地及用品", "清河县体育用品商店"),
    ("2026-05-20", "401 会费收入", "880.00", "补收新入会教职工会费", "人事处"),
]


def test_treasurer_books_closes_a_month_and_downloads_the_budget_report(browser, live_server, demo):
    from openpyxl import load_workbook

    from finance.models import AccountKind, LedgerEntry, MonthClose
    from members.models import OrgUnit

    call_command("seed_demo_finance", stdout=StringIO())
    school = OrgUnit.objects.get(name=SCHOOL)
    before = LedgerEntry.objects.filter(org_unit=school).count()
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "treasurer")

    # Book three entries through the booking form, one after the other.
    page.goto(f"{live_server.url}/finance/entries/new/")
    for day, account, amount, summary, counterparty in BOOKINGS:
        page.fill("#id_date", day)
        page.select_option("#id_account", label=account)
        page.fill("#id_amount", amount)
        page.fill("#id_summary", summary)
        page.fill("#id_counterparty", counterparty)
        page.locator("[data-testid=entry-form] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.get_by_text("已记账").count() >= 1, page.content()[:2000]
    assert LedgerEntry.objects.filter(org_unit=school).count() == before + 3

    # Close March (January and February are closed by the demo).
    page.goto(f"{live_server.url}/finance/months/?unit={school.pk}&year=2026")
    page.locator("[data-testid=close-month-3] button").click()
    modal = page.locator("[data-testid=confirm-modal]")  # 关账 cannot be undone: it asks first
    modal.wait_for(state="visible")
    assert "只能用红字冲销更正" in modal.inner_text()
    modal.locator("[data-confirm-ok]").click()
    page.wait_for_url("**/finance/months/**")
    page.wait_for_load_state()
    assert MonthClose.objects.filter(org_unit=school, year=2026, month=3).exists()
    assert page.locator("tr[data-month='3']").get_by_text("已结账").count() == 1

    # The reports: the index, then the 预算执行情况表 and its Excel download.
    page.locator("[data-testid=reports-tab]").click()
    page.wait_for_url(f"{live_server.url}/finance/reports/")
    page.screenshot(path=str(ARTIFACTS / "finance-report-index.png"), full_page=True)
    page.get_by_role("link", name="预算执行情况表").first.click()
    page.wait_for_url("**/finance/reports/budget-execution/**")
    table = page.locator("[data-testid=report-table]")
    assert table.get_by_text("困难职工帮扶").count() == 1
    page.screenshot(path=str(ARTIFACTS / "finance-report-budget.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("[data-testid=report-xlsx]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "预算执行情况表" in download.suggested_filename
    sheet = load_workbook(BytesIO(Path(download.path()).read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "预算执行情况表"
    entries = LedgerEntry.objects.filter(org_unit=school, year=2026)
    for label, kind in (("收入合计", AccountKind.INCOME), ("支出合计", AccountKind.EXPENSE)):
        row = next(r for r in rows if r[1] == label)
        expected = sum((e.signed_amount for e in entries.filter(account__kind=kind)), Decimal("0"))
        assert Decimal(str(row[7])).quantize(Decimal("0.01")) == expected, label
    aid = next(r for r in rows if r[0] == "50201")
    assert Decimal(str(aid[7])) == Decimal("6500.00")  # demo 3,000 + 2,000, and today's 1,500

    # The other reports, as the treasurer reads them.
    for key, query in (
        ("income-expense", "date_from=2026-01-01&date_to=2026-05-31"),
        ("account-ledger", "account=502&date_from=2026-01-01&date_to=2026-05-31"),
        ("aid-usage", "date_from=2026-01-01&date_to=2026-06-30"),
    ):
        page.goto(f"{live_server.url}/finance/reports/{key}/?unit={school.pk}&{query}")
        assert page.locator("[data-testid=report-table]").count() == 1
        page.screenshot(path=str(ARTIFACTS / f"finance-report-{key}.png"), full_page=True)
    assert not errors, errors
    context.close()


def test_treasurer_imports_entries_after_fixing_a_bad_row(browser, live_server, demo, tmp_path):
    """The 经审 round: a sheet with one bad row books nothing and names the row; fixed, it books all."""
    from openpyxl import Workbook

    from finance.models import LedgerEntry
    from members.models import OrgUnit

    call_command("seed_demo_finance", stdout=StringIO())
    school = OrgUnit.objects.get(name=SCHOOL)
    before = LedgerEntry.objects.filter(org_unit=school).count()

    def sheet(rows, name):
        workbook = Workbook()
        workbook.active.append(["日期", "科目编码", "金额", "摘要", "往来单位/个人"])
        for row in rows:
            workbook.active.append(row)
        path = tmp_path / name
        workbook.save(path)
        return path

    rows = [
        ["2026-05-06", "50202", 680, "五一慰问一线教职工", "清河县惠民超市"],
        ["2026-05-09", "502", 300, "慰问生病住院教职工", "赵敏"],
        ["2026-05-15", "408", 150.5, "废旧报刊出售收入", "县废品回收站"],
    ]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "treasurer")
    page.goto(f"{live_server.url}/finance/reports/")
    page.locator("[data-testid=ledger-import]").click()
    page.set_input_files("#import-file", str(sheet(rows, "bad.xlsx")))
    page.locator("[data-testid=import-form] button[type=submit]").click()
    errors = page.locator("[data-testid=import-row-errors]")
    assert "第 3 行" in errors.inner_text() and "明细科目" in errors.inner_text()
    page.screenshot(path=str(ARTIFACTS / "finance-import-errors.png"), full_page=True)
    assert LedgerEntry.objects.filter(org_unit=school).count() == before

    rows[1][1] = "50202"
    page.set_input_files("#import-file", str(sheet(rows, "fixed.xlsx")))
    page.locator("[data-testid=import-form] button[type=submit]").click()
    assert page.locator("[data-testid=import-preview] tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "finance-import-preview.png"), full_page=True)
    assert LedgerEntry.objects.filter(org_unit=school).count() == before
    page.locator("[data-testid=import-confirm] button").click()
    page.wait_for_url(f"{live_server.url}/finance/?**")
    assert page.get_by_text("已导入 3 笔凭证").count() == 1
    assert LedgerEntry.objects.filter(org_unit=school, source_key__startswith="import:").count() == 3
    context.close()
