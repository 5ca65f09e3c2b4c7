"""Browser walk of a motion (issue 8): the demo member writes a suggestion; the delegate `committee`
proposes a motion and `women` co-signs it online; the motions committee reviews, registers and
assigns it to 总务处; the handler replies from the department inbox; the proposer rates the reply;
the 提案汇编 PDF is downloaded. Screenshots go to test-artifacts/screenshots/congress-*.png."""

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "关于教职工食堂延长晚餐供应时间的提案"


def _shot(page, name, full_page=True):
    page.screenshot(path=str(ARTIFACTS / f"congress-{name}.png"), full_page=full_page)


def test_a_motion_from_suggestion_to_the_compilation(browser, live_server, demo):
    from congress.models import CongressSession, Motion, MotionStatus, Suggestion

    call_command("seed_demo_congress", stdout=StringIO())
    session = CongressSession.objects.get()
    errors: list[str] = []

    def person(username):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        log_in(page, live_server, username)
        return context, page

    # 1. A member who is not a delegate: no 提出提案 button, but a suggestion.
    context, page = person("member")
    page.goto(f"{live_server.url}/congress/")
    page.get_by_role("link", name=session.title).click()
    assert page.locator("[data-testid=new-motion]").count() == 0
    page.click("[data-testid=suggest-link]")
    page.fill("#id_title", "建议食堂晚餐延长到七点")
    page.fill("#id_content", "晚自习值班教师六点半以后下课，食堂已经关门。")
    page.click("[data-testid=suggestion-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=suggestion-list]").get_by_text("建议食堂晚餐延长到七点").count() == 1
    _shot(page, "1-suggestion")
    context.close()
    assert Suggestion.objects.filter(author__user__username="member").count() == 1

    # 2. The delegate `committee` (李晓梅) writes the motion and invites `women` (赵丽华).
    context, page = person("committee")
    page.goto(f"{live_server.url}/congress/sessions/{session.pk}/")
    assert page.locator("[data-testid=delegate-badge]").count() == 1
    page.click("[data-testid=new-motion]")
    page.fill("#id_title", TITLE)
    page.select_option("#id_category", "life")
    page.fill("#id_reason", "晚自习值班教师下课时食堂已停止供餐，只能在外就餐。")
    page.fill("#id_proposal", "1. 晚餐供应延长至19:00；\n2. 值班教师可提前预约留餐。")
    _shot(page, "2-motion-form")
    page.click("[data-testid=motion-form] button[type=submit]")
    page.wait_for_url("**/congress/motions/*/")
    motion = Motion.objects.get(title=TITLE)
    page.select_option("[data-testid=invite-form] select", label="赵丽华（高二年级代表团）")
    page.click("[data-testid=invite-form] button")
    page.wait_for_load_state()
    page.click("[data-action=collect] button")
    page.wait_for_load_state()
    assert page.locator("[data-status]").first.inner_text() == "征集附议"
    _shot(page, "3-collecting")
    context.close()

    # 3. `women` sees the invitation on the congress page and co-signs online.
    context, page = person("women")
    page.goto(f"{live_server.url}/congress/")
    page.locator("[data-testid=to-cosign]").get_by_role("link", name=TITLE).click()
    page.click("[data-testid=cosign-confirm]")
    page.wait_for_load_state()
    assert "您已于" in page.locator("[data-testid=cosign-box]").inner_text()
    _shot(page, "4-cosigned", full_page=False)
    context.close()

    # 4. The proposer submits (inside the window, with the one co-signer the demo session asks for).
    context, page = person("committee")
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.click("[data-action=submit] button")
    page.locator("[data-testid=confirm-modal] [data-confirm-ok]").click()  # 提交 asks first (issue 16)
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="已提交").first.wait_for()
    context.close()

    # 5. The motions committee reviews (similar motions shown), registers and assigns it.
    context, page = person("motions")
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.click("[data-action=review] button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=similar]").get_by_text("关于改善教职工食堂就餐条件的提案").count() == 1
    _shot(page, "5-review-similar")
    page.click("[data-action=register] button")
    modal = page.locator("[data-testid=confirm-modal]")  # 立案 cannot be undone: it asks first
    modal.wait_for(state="visible")
    assert "将通知提案人" in modal.inner_text()
    _shot(page, "5b-register-confirm", full_page=False)
    modal.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()
    page.locator("[data-testid=motion-number]").wait_for()
    number = page.locator("[data-testid=motion-number]").inner_text()
    assert number.endswith("-003")  # the demo registered 001 and 002
    page.select_option("#id_lead_department", label="总务处")
    page.select_option("#id_co_departments", label="办公室")
    page.click("[data-testid=assign-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-status]").first.inner_text() == "已交办"
    _shot(page, "6-assigned")
    context.close()

    # 6. The handler of 总务处 finds it in the inbox and replies.
    context, page = person("handler")
    page.goto(f"{live_server.url}/congress/inbox/")
    inbox = page.locator("[data-testid=inbox]")
    assert inbox.get_by_text(TITLE).count() == 1
    assert inbox.get_by_text("关于完善青年教师培养机制的提案").count() == 1  # 会办
    _shot(page, "7-inbox")
    inbox.get_by_role("link", name=TITLE).click()
    page.fill(
        "[data-testid=reply-form] textarea", "经研究，自下月起晚餐供应延长至19:00，值班教师可通过工会小程序预约留餐。"
    )
    page.click("[data-testid=reply-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-status]").first.inner_text() == "已答复"
    context.close()

    # 7. The proposer rates the reply.
    context, page = person("committee")
    page.goto(f"{live_server.url}/congress/motions/{motion.pk}/")
    page.check("[data-testid=rate-form] input[value=satisfied]")
    page.click("[data-testid=rate-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-status]").first.inner_text() == "已评价"
    _shot(page, "8-rated")

    # 8. The 提案汇编 PDF, from the statistics page.
    page.goto(f"{live_server.url}/congress/sessions/{session.pk}/statistics/")
    page.wait_for_timeout(600)  # the charts' animation
    _shot(page, "9-statistics")
    page.click("[data-testid=compilation-pdf]")
    page.wait_for_selector("[data-testid=compilation-download]")
    _shot(page, "10-compilation-ready", full_page=False)
    with page.expect_download() as download_info:
        page.click("[data-testid=compilation-download]")
    download = download_info.value
    assert download.suggested_filename.endswith("提案汇编.pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    target = ARTIFACTS / "congress-compilation.pdf"
    target.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(target), str(ARTIFACTS / "congress-compilation")], check=True
        )
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        assert TITLE in text and "晚餐供应延长至19:00" in text
    context.close()

    motion.refresh_from_db()
    assert motion.status == MotionStatus.EVALUATED and motion.number_display == number
    assert errors == []
