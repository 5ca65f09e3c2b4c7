"""Browser walk of the year end (issue 20): the demo chair drafts the year's summary from the
records, rewrites a paragraph, submits it and downloads PDF and Word; the county chair sees which
unions lack a plan or a summary and reminds one; the navbar search. Screenshots go to
test-artifacts/screenshots/yearend-*.png, the PDF and its pages (pdftoppm) beside them."""

import io
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHOOL = "清河县第一中学工会"
HOSPITAL = "清河县人民医院工会"


def test_chair_drafts_edits_submits_downloads_and_the_county_reminds(browser, live_server, demo):
    from django.utils import timezone
    from docx import Document

    from union_office.notifications import Notification
    from yearend.models import Summary, SummaryStatus

    for command in ("seed_demo_finance", "seed_demo_activities", "seed_demo_welfare", "seed_demo_plan"):
        call_command(command, stdout=StringIO())
    year = timezone.localdate().year
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"{msg.text} {msg.location}"))
    log_in(page, live_server, "chair")

    # Draft from the year's records.
    page.click("nav >> text=年终总结")
    page.wait_for_url(f"{live_server.url}/yearend/")
    page.select_option("#draft-unit", label=SCHOOL)
    page.select_option("#draft-year", str(year))
    page.screenshot(path=str(ARTIFACTS / "yearend-index.png"), full_page=True)
    page.click("[data-testid=draft-button]")
    page.wait_for_selector("[data-testid=summary-title]")
    # htmx wires the section forms once its script has run (before the load event).
    page.wait_for_load_state("load")
    summary = Summary.objects.get(org_unit__name=SCHOOL, year=year)
    assert page.locator("[data-testid=summary-section]").count() == summary.sections.count() >= 6
    page.screenshot(path=str(ARTIFACTS / "yearend-summary-draft.png"), full_page=True)

    # Rewrite the activities paragraph around its fields; the figure shows in place.
    section = summary.sections.get(key="activities")
    card = page.locator(f"#section-{section.pk}")
    card.locator("[data-testid=edit-section]").click()
    card.locator("textarea[name=text]").fill("今年我们坚持“月月有活动”，共举办活动【已举办】项，出勤率【出勤率】%。")
    with page.expect_response(lambda r: "/yearend/sections/" in r.url and r.request.method == "POST") as saved:
        card.locator("[data-testid=save-section]").click()
    assert saved.value.status == 200, errors  # in place, through htmx
    held = section.figures["held_count"]
    page.locator(f"#section-{section.pk} [data-testid=section-text]", has_text=f"共举办活动{held}项").wait_for()
    page.locator(f"#section-{section.pk}").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "yearend-summary-edited.png"))

    # Re-draft: the words stay, and a second edit still saves (the page learned the new revision).
    page.click("[data-testid=redraft]")
    page.locator(".alert-success", has_text="您写的文字保持不变").wait_for()
    assert f"共举办活动{held}项" in page.inner_text(f"#section-{section.pk}")

    # Submit for review.
    page.click("[data-testid=move-submit]")
    page.locator("[data-testid=summary-status]", has_text="审议中").wait_for()
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.REVIEW
    page.screenshot(path=str(ARTIFACTS / "yearend-summary-submitted.png"), full_page=True)

    # PDF and Word, as the links serve them.
    pdf_href = page.get_attribute("[data-testid=export-pdf]", "href")
    response = context.request.get(f"{live_server.url}{pdf_href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = ARTIFACTS / "yearend-summary.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / "yearend-summary-pdf")], check=True)
        assert list(ARTIFACTS.glob("yearend-summary-pdf-*.png"))
    docx_href = page.get_attribute("[data-testid=export-docx]", "href")
    response = context.request.get(f"{live_server.url}{docx_href}")
    assert response.status == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.body())).paragraphs)
    assert f"共举办活动{held}项" in text

    # The navbar search.
    page.fill("[data-testid=navbar-search] input", "王")
    page.press("[data-testid=navbar-search] input", "Enter")
    page.wait_for_selector("[data-testid=search-group-members]")
    page.screenshot(path=str(ARTIFACTS / "yearend-search.png"), full_page=True)
    assert errors == [], "\n".join(errors)
    context.close()

    # The county chair: who lacks a summary of last year, and a reminder to the hospital.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "county_chair")
    page.goto(f"{live_server.url}/yearend/county/")
    row = page.locator("[data-testid=county-row]", has_text=HOSPITAL)
    row.wait_for()
    assert "未报送" in row.inner_text()
    row.locator("input[name=units]").check()
    page.screenshot(path=str(ARTIFACTS / "yearend-county.png"), full_page=True)
    page.click("[data-testid=remind]")
    page.locator(".alert-success", has_text="发送提醒").wait_for()
    page.screenshot(path=str(ARTIFACTS / "yearend-county-reminded.png"), full_page=True)
    assert Notification.objects.filter(recipient__username="hospital_chair", subject__contains="请报送").count() == 1

    # The county's statistics: one row per union, the 合计, the books by class.
    page.goto(f"{live_server.url}/yearend/statistics/")
    assert page.locator("[data-testid=statistics-row]").count() >= 3  # 本级, the school, the hospital
    page.screenshot(path=str(ARTIFACTS / "yearend-statistics.png"), full_page=True)
    context.close()
