"""Browser walk of a paste in traditional characters (issue 19): the chair pastes a Hong Kong style
plan, the review shows it converted to simplified characters (ticked by default) and what was
converted, accepts one 时限 proposed from an item's text, and saves. Screenshots go to
test-artifacts/screenshots/paste-traditional-*.png."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = Path(__file__).resolve().parents[1] / "fixtures" / "importer" / "28_deadlines_t.txt"
SCHOOL = "清河县第一中学工会"
SCHOOL_LABEL = "清河县总工会 › 清河县第一中学工会"


def test_traditional_paste_is_converted_reviewed_and_saved(browser, live_server, demo):
    from plans.models import Item, Plan

    year = 2000 + max([26, *(p.year - 2000 + 1 for p in Plan.objects.filter(org_unit__name=SCHOOL))])
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"{msg.text} {msg.location}"))
    log_in(page, live_server, "chair")

    page.goto(f"{live_server.url}/plans/paste/")
    page.select_option("#id_org_unit", label=SCHOOL_LABEL)
    page.fill("#id_year", str(year))
    page.fill("#id_text", TEXT.read_text(encoding="utf-8"))
    page.click("[data-testid=paste-form] button[type=submit]")

    # The review: converted by default, the conversions listed, the plan shown in simplified characters.
    page.wait_for_selector("[data-testid=paste-review]")
    assert page.is_checked("#id_simplify")
    conversions = page.inner_text("[data-testid=paste-conversions]")
    assert "會→会" in conversions and "職→职" in conversions
    assert page.input_value("#id_title") == "2025年教职员工会活动计划"
    tree = page.inner_text("[data-testid=paste-tree]")
    assert "举行周年会员大会" in tree and "舉行" not in tree
    assert page.locator("[data-testid=paste-proposal]").count() == 5
    # accept the 时限 read from "5月中旬至6月上旬舉辦教職員羽毛球比賽"
    proposal = page.locator("[data-testid=paste-proposal]").nth(1)
    assert proposal.locator("input[type=text]").input_value() == "5月中旬至6月上旬"
    proposal.locator("input[type=checkbox]").check()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "paste-traditional-review.png"), full_page=True)
    page.click("[data-testid=paste-save]")

    page.wait_for_url(re.compile(r"/plans/\d+/edit/$"))
    page.wait_for_selector("[data-testid=plan-tree]")
    page.screenshot(path=str(ARTIFACTS / "paste-traditional-editor.png"), full_page=True)
    plan = Plan.objects.get(org_unit__name=SCHOOL, year=year)
    assert plan.title == "2025年教职员工会活动计划"
    items = dict(Item.objects.filter(section__plan=plan).values_list("content", "deadline_text"))
    assert items["5月中旬至6月上旬举办教职员羽毛球比赛。"] == "5月中旬至6月上旬"
    assert items["3月上旬举行周年会员大会。"] == ""  # proposed, not accepted
    assert "聖誕" not in "".join(items) and "12月下旬举办圣诞联欢会。" in items
    assert errors == []


def test_notice_with_garbled_lines_is_reviewed_with_its_flags(browser, live_server, demo):
    from plans.models import Item, Plan

    year = 2000 + max([26, *(p.year - 2000 + 1 for p in Plan.objects.filter(org_unit__name=SCHOOL))])
    notice = (TEXT.parent / "05_notice_materials_s.txt").read_text(encoding="utf-8")
    garbled = notice.replace("三、报送时间", "锟斤拷锟斤拷\n三、报送时间")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "chair")
    page.goto(f"{live_server.url}/plans/paste/")
    page.select_option("#id_org_unit", label=SCHOOL_LABEL)
    page.fill("#id_year", str(year))
    page.fill("#id_text", garbled)
    page.click("[data-testid=paste-form] button[type=submit]")

    page.wait_for_selector("[data-testid=paste-review]")
    assert "锟斤拷" in page.inner_text("[data-testid=paste-flagged]")
    assert "各基层工会：" in page.inner_text("[data-testid=paste-preamble]")
    assert "☐ 家庭收入证明" in page.inner_text("[data-testid=paste-tree]")
    assert page.locator("[data-testid=paste-conversion]").count() == 0
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "paste-notice-review.png"), full_page=True)
    page.click("[data-testid=paste-save]")
    page.wait_for_url(re.compile(r"/plans/\d+/edit/$"))
    checklist = Item.objects.get(
        section__plan__org_unit__name=SCHOOL, section__plan__year=year, section__title="所需材料"
    )
    assert checklist.deadline_text == "2025年3月15日前"
