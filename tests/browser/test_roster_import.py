"""Browser walk of the 花名册 import: a 分工会 committee member uploads a CSV through the real
pages, sees the preview, confirms, and finds the new members. Screenshots of each step go to
test-artifacts/screenshots/import-*.png."""

import csv
import datetime
from io import StringIO
from pathlib import Path

import pytest

from members.idcard import make_id_number
from members.imports import COLUMNS
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = COLUMNS  # 姓名, 身份证号, 性别, 手机号, 所属工会, 部门, 入会日期, 会员编号, 用工形式, 一线职工, 会费工资基数
# 110108 (北京市海淀区) is not among the demo's regions, so these numbers are new to the roster.
NEW_MEMBERS = [
    ["林晓雯", make_id_number("110108", datetime.date(1990, 4, 3), 11, "F"), "女", "13912340001", "高一年级分工会"]
    + ["英语教研组", "2020-09-01", "QH-IMP-1", "在编", "是", "6800.00"],
    ["周建国", make_id_number("110108", datetime.date(1978, 11, 20), 12, "M"), "男", "13912340002", "语文组工会小组"]
    + ["语文教研组", "2008-09-01", "QH-IMP-2", "在编", "是", "8200.50"],
    ["王一帆", make_id_number("110108", datetime.date(1996, 7, 15), 13, "M"), "", "13912340003", "语文组工会小组"]
    + ["", "2022-09-01", "", "合同制", "否", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def open_logged_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, username)
    return context, page


def test_committee_member_imports_a_roster(browser, live_server, demo, tmp_path):
    from members.models import Member, RosterImport

    errors: list[str] = []
    context, page = open_logged_in(browser, live_server, "committee")
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(f"{live_server.url}/members/imports/")
    page.click("[data-testid=import-new]")
    page.wait_for_url(f"{live_server.url}/members/imports/new/")
    page.screenshot(path=str(ARTIFACTS / "import-upload.png"), full_page=True)

    # A file with a mistake first: the preview names the row and refuses to import.
    bad = [*NEW_MEMBERS[:2], ["张冒", NEW_MEMBERS[0][1], *NEW_MEMBERS[0][2:4], "高三年级分工会", *NEW_MEMBERS[0][5:]]]
    page.select_option("#id_org_unit", label="高一年级分工会")
    page.set_input_files("#id_file", str(write_csv(tmp_path / "花名册（有错）.csv", bad)))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-errors]")
    body = page.content()
    assert "第4行" in body and "所属工会“高三年级分工会”不在“高一年级分工会”之下。" in body
    assert "身份证号与第 2 行重复。" in body
    assert page.is_disabled("[data-testid=import-confirm]")
    page.screenshot(path=str(ARTIFACTS / "import-preview-errors.png"), full_page=True)

    # The corrected file: preview, confirm, result.
    page.goto(f"{live_server.url}/members/imports/new/")
    page.select_option("#id_org_unit", label="高一年级分工会")
    page.set_input_files("#id_file", str(write_csv(tmp_path / "花名册.csv", NEW_MEMBERS)))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-counts]")
    assert page.inner_text("[data-count=new]") == "3"
    assert page.inner_text("[data-count=invalid]") == "0"
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)

    page.click("[data-testid=import-confirm]")
    page.wait_for_selector("[data-testid=import-result]")
    assert "新增 3 人" in page.inner_text("[data-testid=import-result]")
    page.screenshot(path=str(ARTIFACTS / "import-result.png"), full_page=True)

    page.goto(f"{live_server.url}/members/imports/")
    assert page.locator("table tbody tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "import-list.png"), full_page=True)
    context.close()

    imported = Member.objects.filter(member_no__startswith="QH-IMP-") | Member.objects.filter(name="王一帆")
    assert sorted(imported.values_list("name", "org_unit__name")) == [
        ("周建国", "语文组工会小组"),
        ("林晓雯", "高一年级分工会"),
        ("王一帆", "语文组工会小组"),
    ]
    assert Member.objects.with_id_number(NEW_MEMBERS[1][1]).get().department.name == "语文教研组"
    assert RosterImport.objects.filter(status="done").count() == 1
    assert errors == []


def test_progress_bar_shows_while_the_check_is_queued(browser, live_server, demo):
    """With a real worker the check runs after the upload; the page polls until the preview is there."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from members import imports
    from members.models import OrgUnit, RosterImport

    rows = StringIO()
    csv.writer(rows).writerows([HEADER, *NEW_MEMBERS])
    committee = get_user_model().objects.get(username="committee")
    queued = RosterImport(org_unit=OrgUnit.objects.get(name="高一年级分工会"), created_by=committee)
    queued.original_name = "排队中的花名册.csv"
    queued.file.save("queued.csv", ContentFile(rows.getvalue().encode("utf-8-sig")))

    context, page = open_logged_in(browser, live_server, "committee")
    page.goto(f"{live_server.url}/members/imports/{queued.pk}/")
    assert page.is_visible("[data-testid=import-progress]")
    assert "等待检查" in page.inner_text("#import-status")
    # Half-way through a large file, as a worker reports it (every 500 rows).
    RosterImport.objects.filter(pk=queued.pk).update(status="running", total_rows=12000, processed_rows=5500)
    page.wait_for_selector("#import-status:has-text('5500 / 12000')", timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "import-progress.png"), full_page=True)
    RosterImport.objects.filter(pk=queued.pk).update(status="queued", total_rows=0, processed_rows=0)
    imports.roster_import_validate(import_id=queued.pk)  # what the worker does
    page.wait_for_selector("[data-testid=import-counts]", timeout=5000)  # htmx polled and swapped
    assert page.inner_text("[data-count=new]") == "3"
    context.close()
