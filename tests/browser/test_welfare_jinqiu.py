"""Browser walk of 金秋助学 (issue 7): the demo member 吴雪 applies for her daughter with the
required documents; the school's chair passes the base review and records the home visit
(入户核实) in its form; the county chair reviews, approves her into the 5,000 元 × 4 years tier
and publishes; the 公示 list shows 吴*雨 and a masked ID number, and a colleague objects on it;
after 公示 the county treasurer's 发放 waits (greyed, saying why) until the county has resolved the
objection, then she pays the first year through the confirmation dialog and sees it in the ledger.
Screenshots: test-artifacts/screenshots/jinqiu-*.png."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"jinqiu-{name}.png"), full_page=True)


def test_parent_applies_for_jinqiu_and_the_county_pays(browser, live_server, demo, settings, tmp_path):
    from django.contrib.auth import get_user_model

    from finance.models import LedgerEntry
    from finance.tests.builders import approved_budget
    from members.idcard import make_id_number
    from members.models import OrgUnit, Role, RoleGrant
    from welfare.models import Campaign, CampaignTier, StudentApplication, StudentState

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("seed_demo_finance", stdout=StringIO())
    county = OrgUnit.objects.get(kind=OrgUnit.Kind.UPPER)
    today = timezone.localdate()
    approved_budget(county, today.year, {"50201": "200000.00"})
    boss = get_user_model().objects.get(username="county_chair")
    county_treasurer = get_user_model().objects.create_user(
        "county_treasurer", password=DEMO_PASSWORD, first_name="县总会计"
    )
    RoleGrant.objects.create(user=county_treasurer, org_unit=county, role=Role.TREASURER)
    campaign = Campaign.objects.create(
        org_unit=county,
        title=f"{today.year}年金秋助学",
        year=today.year,
        opens_on=today - dt.timedelta(days=7),
        deadline=today + dt.timedelta(days=20),
        closes_on=today + dt.timedelta(days=40),
        eligibility="当年考入二本及以上院校、家庭困难的职工子女。",
        required_documents=["书面申请", "录取通知书"],
        created_by=boss,
    )
    CampaignTier.objects.create(campaign=campaign, name="一档", quota=5, amount=Decimal("5000.00"), years=4)
    CampaignTier.objects.create(campaign=campaign, name="二档", quota=15, amount=Decimal("2000.00"), years=1)
    errors: list[str] = []

    def new_page(username: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        log_in(page, live_server, username)
        return page

    # The parent applies with the two required documents.
    member = new_page("member")
    member.goto(f"{live_server.url}/welfare/jinqiu/")
    member.get_by_role("link", name=campaign.title).click()
    shot(member, "1-campaign")
    member.locator("[data-testid=student-apply]").click()
    member.fill("#id_student_name", "吴小雨")
    member.fill("#id_student_id", make_id_number("130534", dt.date(2008, 5, 6), 12, "F"))
    member.fill("#id_school", "河北师范大学")
    member.select_option("#id_admission", "二本")
    member.fill("#id_reason", "丈夫去年病故，本人独自抚养女儿，家庭人均月收入不足 1,200 元。")
    member.set_input_files("#id_doc_0", {"name": "书面申请.pdf", "mimeType": "application/pdf", "buffer": PDF})
    member.set_input_files("#id_doc_1", {"name": "录取通知书.png", "mimeType": "image/png", "buffer": PNG})
    shot(member, "2-form")
    member.locator("[data-testid=student-form] button[type=submit]").click()
    member.wait_for_url("**/welfare/jinqiu/students/*/")
    application = StudentApplication.objects.get()
    assert application.state == StudentState.SUBMITTED
    assert member.locator("[data-testid=attachments] li").count() == 2

    # The school's chair passes the base review; the county reviews, approves and publishes.
    chair = new_page("chair")
    chair.goto(f"{live_server.url}/welfare/jinqiu/students/{application.pk}/")
    chair.locator("form[data-action=base_review] button").click()
    chair.wait_for_load_state()
    visit = chair.locator("form[data-action=home_visit]")
    visit.locator("input[name=visited_on]").fill(today.isoformat())
    visit.locator("input[name=visitors]").fill("王主席、李委员")
    visit.locator("textarea[name=findings]").fill("租住两居室，母亲在超市打零工，情况与申请一致。")
    shot(chair, "3-home-visit-form")
    visit.locator("button").click()
    chair.wait_for_load_state()
    assert "王主席、李委员" in chair.locator("[data-testid=home-visit]").inner_text()
    application.refresh_from_db()
    assert application.state == StudentState.VISITED and application.visitors == "王主席、李委员"
    shot(chair, "4-home-visit-recorded")
    county_page = new_page("county_chair")
    county_page.goto(f"{live_server.url}/welfare/jinqiu/students/{application.pk}/")
    county_page.locator("form[data-action=upper_review] button").click()
    county_page.wait_for_load_state()
    form = county_page.locator("form[data-action=approve]")
    form.locator("select[name=tier]").select_option(label="一档（5 名 × 5000.00 元）")
    form.locator("button").click()
    modal = county_page.locator("[data-testid=confirm-modal]")  # 审定 takes a place: it asks first
    modal.wait_for(state="visible")
    modal.locator("[data-confirm-ok]").click()
    county_page.wait_for_url("**/welfare/jinqiu/students/*/")
    county_page.wait_for_load_state()
    county_page.locator("form[data-action=publish] button").click()
    county_page.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == StudentState.NOTICE
    assert county_page.locator("[data-testid=payments] tbody tr").count() == 4
    shot(county_page, "5-approved")

    # The 公示 list: masked names and ID number.
    member.goto(f"{live_server.url}/welfare/jinqiu/{campaign.pk}/notice/")
    table = member.locator("[data-testid=campaign-notice-table]").inner_text()
    assert "吴*雨" in table and "吴小雨" not in table and "吴雪" not in table
    assert application.student_id_masked in table and application.student_id not in table
    shot(member, "6-notice")

    # A colleague at the school objects on the 公示 list (the form is on every row while it lasts).
    colleague = new_page("treasurer")
    colleague.goto(f"{live_server.url}/welfare/jinqiu/{campaign.pk}/notice/")
    colleague.locator("[data-testid=campaign-notice-row] summary").click()
    objection = colleague.locator("[data-testid=student-objection-form]")
    objection.locator("textarea[name=text]").fill("听说其家中今年新开了一家小超市，请核实收入。")
    shot(colleague, "7-objection-form")
    objection.locator("button").click()
    colleague.wait_for_load_state()
    assert colleague.get_by_text("异议已提交").count() == 1

    # 公示 over: payment waits for the objection; the county resolves it, pays the first year, and
    # its treasurer sees the entry.
    StudentApplication.objects.filter(pk=application.pk).update(
        notice_starts_on=today - dt.timedelta(days=6), notice_ends_on=today - dt.timedelta(days=1)
    )
    county_page.goto(f"{live_server.url}/welfare/jinqiu/students/{application.pk}/")
    assert county_page.locator("[data-testid=open-objections]").count() == 1
    # 发放 is the county treasurer's (issue 16); while the objection is open her button says why not.
    treasurer = new_page("county_treasurer")
    treasurer.goto(f"{live_server.url}/welfare/jinqiu/students/{application.pk}/")
    assert treasurer.locator("[data-action=pay][data-blocked]").count() == 1
    assert "公示期间收到 1 条异议尚未处理，处理完毕后才能发放。" in treasurer.locator("[data-action=pay]").inner_text()
    application.refresh_from_db()
    assert application.state == StudentState.NOTICE
    shot(county_page, "8-objection-open")
    resolve = county_page.locator("[data-testid=resolve-form]")
    resolve.locator("input[name=resolution]").fill("经入户核实，超市为其亲属经营，与申请人家庭无关，异议不成立。")
    resolve.locator("button").click()
    county_page.wait_for_load_state()
    treasurer.goto(f"{live_server.url}/welfare/jinqiu/students/{application.pk}/")
    treasurer.locator("form[data-action=pay] button").click()
    modal = treasurer.locator("[data-testid=confirm-modal]")
    modal.wait_for(state="visible")
    modal.locator("[data-confirm-ok]").click()
    treasurer.wait_for_url("**/welfare/jinqiu/students/*/")
    treasurer.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == StudentState.PAID
    shot(treasurer, "9-paid")
    treasurer.goto(f"{live_server.url}/finance/")
    assert treasurer.get_by_text("金秋助学：吴小雨（第 1 年）").count() == 1
    shot(treasurer, "10-ledger")
    assert LedgerEntry.objects.filter(org_unit=county, account__code="50201").count() == 1
    assert errors == []
