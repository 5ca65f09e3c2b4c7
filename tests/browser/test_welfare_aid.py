"""Browser walk of an aid application (issue 7): the demo member 吴雪 applies with an upload (a
renamed .exe is refused first); the chair screens it, records the home visit, decides the amount
(confirming in the dialog) and publishes it; the 公示 board shows 吴* and a masked ID number; the
treasurer's 发放 waits for the notice period (greyed, with the date), then she pays through the
confirmation dialog (issue 16: not the chair, who decided) and finds the payout in the ledger.
Screenshots: test-artifacts/screenshots/welfare-*.png."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"welfare-{name}.png"), full_page=True)


def test_member_applies_chair_reviews_notice_masks_treasurer_sees_payout(
    browser, live_server, demo, settings, tmp_path
):
    from finance.models import LedgerEntry
    from welfare.models import AidApplication, AidState, Attachment

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("seed_demo_finance", stdout=StringIO())
    errors: list[str] = []

    def new_page(username: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        log_in(page, live_server, username)
        return page

    # The member applies; a renamed executable is refused and nothing is saved.
    member = new_page("member")
    member.goto(f"{live_server.url}/welfare/")
    member.locator("[data-testid=apply]").click()
    member.select_option("#id_kind", label="大病救助")
    member.fill("#id_amount_requested", "6000")
    member.fill("#id_reason", "丈夫突发脑梗住院，医疗费自付部分约 4 万元，申请大病救助。")
    member.set_input_files(
        "#id_documents", {"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00fake"}
    )
    member.locator("[data-testid=aid-form] button[type=submit]").click()
    member.wait_for_load_state()
    assert member.get_by_text("内容不是 PDF、JPG 或 PNG").count() == 1
    assert not AidApplication.objects.exists()
    shot(member, "1-fake-upload-refused")
    member.set_input_files("#id_documents", {"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF})
    member.locator("[data-testid=aid-form] button[type=submit]").click()
    member.wait_for_url("**/welfare/aid/*/")
    application = AidApplication.objects.get()
    assert application.state == AidState.SUBMITTED
    assert Attachment.objects.filter(owner_id=application.pk).count() == 1
    shot(member, "2-submitted")

    # The chair screens, records the home visit, decides and publishes.
    chair = new_page("chair")
    chair.goto(f"{live_server.url}/welfare/aid/{application.pk}/")
    chair.locator("form[data-action=screen] button").click()
    chair.wait_for_load_state()
    form = chair.locator("form[data-action=verify]")
    form.locator("input[name=visitors]").fill("王建国、李晓梅")
    form.locator("textarea[name=findings]").fill("入户核实：住院发票、诊断证明属实，家庭无其他收入来源。")
    form.locator("button").click()
    chair.wait_for_load_state()
    form = chair.locator("form[data-action=decide]")
    form.locator("input[name=amount_granted]").fill("5000")
    form.locator("button").click()
    modal = chair.locator("[data-testid=confirm-modal]")
    modal.wait_for(state="visible")
    assert "审定后金额确定，进入公示。办理后将通知申请人、审核人。" in modal.inner_text()
    shot(chair, "2b-confirm-decide")
    modal.locator("[data-confirm-ok]").click()
    chair.wait_for_url("**/welfare/aid/*/")
    chair.wait_for_load_state()
    assert "已审定，已通知申请人" in chair.locator(".alert-success").inner_text()
    chair.locator("form[data-action=publish] button").click()
    chair.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == AidState.NOTICE
    assert chair.locator("[data-testid=aid-state]").inner_text() == "公示中"
    assert chair.locator("[data-testid=home-visit]").count() == 1
    shot(chair, "3-on-notice")

    # The 公示 board (seen by the member): masked name and ID number, the amount, the dates.
    member.goto(f"{live_server.url}/welfare/notice/")
    rows = member.locator("[data-testid=notice-row]")
    names = rows.locator("[data-testid=masked-name]").all_inner_texts()
    assert "吴*" in names and "吴雪" not in member.locator("[data-testid=notice-table]").inner_text()
    ids = rows.locator("[data-testid=masked-id]").all_inner_texts()
    assert all("********" in i for i in ids)
    assert "5000.00" in member.locator("[data-testid=notice-table]").inner_text()
    shot(member, "4-notice-board")
    # Printed, the page is the notice: no navigation or 提出异议, the title, where to object, 落款.
    member.emulate_media(media="print")
    assert not member.locator(".uo-navbar").is_visible()
    assert not member.locator("[data-testid=objection-form]").first.is_visible()
    assert not member.get_by_text("提出异议").first.is_visible()
    assert member.locator(".uo-notice-title").is_visible()
    assert member.locator(".uo-notice-sign").first.inner_text().split("\n")[0].endswith("第一中学工会")
    shot(member, "4-notice-board-printed")
    member.emulate_media(media="screen")

    # The treasurer of the paying unit pays, not the chair who decided: during 公示 her button is
    # greyed and says when payment opens.
    treasurer = new_page("treasurer")
    treasurer.goto(f"{live_server.url}/welfare/aid/{application.pk}/")
    assert treasurer.locator("[data-action=pay][data-blocked]").count() == 1
    assert "起可以发放" in treasurer.locator("[data-testid=aid-actions]").inner_text()
    assert chair.locator("form[data-action=pay]").count() == 0
    shot(treasurer, "4b-pay-waits")
    today = timezone.localdate()
    AidApplication.objects.filter(pk=application.pk).update(
        notice_starts_on=today - dt.timedelta(days=6), notice_ends_on=today - dt.timedelta(days=1)
    )
    treasurer.goto(f"{live_server.url}/welfare/aid/{application.pk}/")
    treasurer.locator("form[data-action=pay] button").click()
    modal = treasurer.locator("[data-testid=confirm-modal]")
    modal.wait_for(state="visible")
    assert "发放后不能撤销" in modal.inner_text() and "办理后将通知申请人" in modal.inner_text()
    shot(treasurer, "5a-confirm-pay")
    modal.locator("[data-confirm-ok]").click()
    treasurer.wait_for_url("**/welfare/aid/*/")
    treasurer.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == AidState.PAID
    entry = application.ledger_entry
    assert treasurer.locator("[data-testid=voucher]").inner_text().endswith(entry.voucher_label)
    assert "已发放并记账，已通知申请人。" in treasurer.locator(".alert-success").inner_text()
    shot(treasurer, "5-paid")

    # The treasurer finds the payout in the ledger.
    treasurer.goto(f"{live_server.url}/finance/")
    assert treasurer.get_by_text("困难职工帮扶：吴雪（大病救助）").count() == 1
    shot(treasurer, "6-ledger")
    assert errors == []
    assert LedgerEntry.objects.filter(source_id=str(application.pk), account__code="50201").count() == 1
