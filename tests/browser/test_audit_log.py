"""Browser walk of issue 17, finding 6: the chair opens a member's full record; the 经审委员会's
auditor finds that read on the 审计日志 page from the navbar, filters it, and downloads the log.
Screenshots: test-artifacts/screenshots/audit-log-*.png."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_auditor_finds_the_chairs_read_and_exports_the_log(browser, live_server, demo):
    from members.models import Member
    from union_office.models import AuditEntry

    member = Member.objects.filter(org_unit__name="高一年级分工会", status="active").order_by("pk").first()
    chair = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    log_in(chair, live_server, "chair")
    chair.goto(f"{live_server.url}/members/{member.pk}/")
    assert AuditEntry.objects.filter(action="member.read", object_id=str(member.pk)).exists()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "auditor")
    page.click("a.nav-link:has-text('审计日志')")
    page.wait_for_selector("[data-testid=audit-log]")
    page.select_option("#f-kind", "read")
    page.click("button:has-text('筛选')")
    page.wait_for_selector(f"[data-testid=audit-log] td:has-text('{member.name}')")
    row = page.locator("[data-testid=audit-log] tbody tr", has_text=member.name).first
    assert "查阅会员完整信息" in row.inner_text() and "查阅" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "audit-log-filtered.png"), full_page=True)

    with page.expect_download() as download:
        page.click("[data-testid=audit-export]")
    sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "审计日志"
    assert any(row[4] == member.name and row[3] == "查阅会员完整信息" for row in values if len(row) > 4)
    assert AuditEntry.objects.filter(action="audit.export", actor__username="auditor").count() == 1
    assert errors == []
