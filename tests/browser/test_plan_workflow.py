"""Browser walk of a plan after drafting (issue 4): the demo chair finds the school's plan in the
list, submits, approves and starts it; a member who is 责任人 of an item records progress on the
following page (htmx, no reload); the chair starts a new version, changes it and compares the two;
the 工作台 card shows the plan. Screenshots go to test-artifacts/screenshots/plan-*.png."""

from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "plans" / "004_2c7bba2cbaf99719.txt"
SCHOOL = "清河县第一中学工会"


def _demo_plan():
    """篇一 of the seed (目标/措施/时限/责任人) with the 活动安排 of 篇四, saved as the chair's draft."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from members.models import OrgUnit
    from plans import editing
    from plans.importer import parse_plan, split_documents
    from plans.models import Plan

    chair = get_user_model().objects.get(username="chair")
    school = OrgUnit.objects.get(name=SCHOOL)
    year = timezone.localdate().year
    taken = set(Plan.objects.filter(org_unit=school).values_list("year", flat=True))
    while year in taken:
        year += 1
    documents = split_documents(SEED.read_text())
    parsed = parse_plan(documents[0].text, year=year)
    parsed.schedule = parse_plan(documents[3].text, year=year).schedule
    return editing.plan_create_from_parsed(
        actor=chair, org_unit=school, year=year, parsed=parsed, title=f"{SCHOOL}{year}年工作计划"
    )


def test_plan_is_approved_followed_revised_and_compared(browser, live_server, demo):
    from members.models import Member
    from plans.models import Item, ItemStatus, Plan, PlanStatus

    plan = _demo_plan()
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")

    # The list: the draft, with the buttons of a chair.
    page.goto(f"{live_server.url}/plans/")
    assert page.locator("[data-testid=plan-list]").get_by_text(plan.title).count() == 1
    page.screenshot(path=str(ARTIFACTS / "plan-list.png"), full_page=True)
    page.get_by_role("link", name=plan.title).click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/")
    page.screenshot(path=str(ARTIFACTS / "plan-detail-draft.png"), full_page=False)

    # 提交审议 → 批准 → 开始执行, each a button of the workflow table. Whoever submitted does not
    # approve (issue 16): the chair submits, the county's chair approves; 批准 and 开始执行 confirm.
    county_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    county = county_context.new_page()
    county.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(county, live_server, "county_chair")
    for action, status in (("submit", "审议中"), ("approve", "已批准"), ("start", "执行中")):
        actor = county if action == "approve" else page
        actor.goto(f"{live_server.url}/plans/{plan.pk}/")
        if action == "approve":
            assert page.locator("[data-transition=approve]").count() == 0  # not for who submitted
        actor.click(f"[data-transition={action}] button")
        if action in ("approve", "start"):
            modal = actor.locator("[data-testid=confirm-modal]")
            modal.wait_for(state="visible")
            if action == "approve":
                actor.screenshot(path=str(ARTIFACTS / "plan-detail-confirm-approve.png"), full_page=False)
            modal.locator("[data-confirm-ok]").click()
            actor.wait_for_url(f"{live_server.url}/plans/{plan.pk}/")
        actor.wait_for_load_state()
        assert actor.locator("[data-status]").first.inner_text() == status
        if action in ("submit", "approve"):
            actor.screenshot(path=str(ARTIFACTS / f"plan-detail-{action}.png"), full_page=False)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    page.screenshot(path=str(ARTIFACTS / "plan-detail-active.png"), full_page=True)

    # The member who is 责任人 of one item records progress on the following page.
    member = Member.objects.get(user__username="member")
    item = Item.objects.filter(section__plan=plan).order_by("pk").first()
    item.owner = member
    item.save(update_fields=["owner"])
    member_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    member_page = member_context.new_page()
    member_page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(member_page, live_server, "member")
    member_page.goto(f"{live_server.url}/plans/{plan.pk}/follow/")
    row = member_page.locator(f"#follow-item-{item.pk}")
    assert member_page.locator("textarea[name=progress_note]").count() == 1  # only their own item
    row.locator("select[name=status]").select_option(ItemStatus.DONE.value)
    row.locator("textarea[name=progress_note]").fill("已完成，材料已归档")
    row.get_by_role("button", name="保存").click()
    member_page.locator(f"#follow-item-{item.pk} [role=status]").wait_for()
    item.refresh_from_db()
    assert (item.status, item.progress_note) == (ItemStatus.DONE, "已完成，材料已归档")
    member_page.screenshot(path=str(ARTIFACTS / "plan-follow-member.png"), full_page=True)
    member_page.goto(f"{live_server.url}/")
    assert member_page.locator("[data-card=plans]").count() == 1
    member_context.close()

    # The chair's following page and 工作台.
    page.goto(f"{live_server.url}/plans/{plan.pk}/follow/")
    assert page.locator("[data-group]").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "plan-follow-chair.png"), full_page=False)
    page.goto(f"{live_server.url}/")
    page.locator("[data-card=plans]").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "plan-dashboard-chair.png"), full_page=True)

    # A new version, changed in the database as the editor would, then compared with the first.
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.get_by_role("button", name="新建版本").click()
    page.wait_for_load_state()
    new = Plan.objects.get(previous=plan)
    assert page.url == f"{live_server.url}/plans/{new.pk}/"
    first_section = new.sections.order_by("position").first()
    first_section.title += "，建设职工之家"
    first_section.save()
    changed = Item.objects.filter(section__plan=new).order_by("pk")[1]
    changed.deadline_text = "5月底前"
    changed.save()
    Item.objects.create(section=first_section, position=99, content="建立职工书屋，每季度更新图书")
    page.reload()
    page.click(f"[data-compare='{plan.pk}']")
    page.wait_for_url(f"{live_server.url}/plans/compare/?a={plan.pk}&b={new.pk}")
    assert page.locator("tr[data-state=added]").count() >= 1
    assert page.locator("tr[data-state=changed] ins").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "plan-compare.png"), full_page=False)
    page.get_by_role("link", name="只看差异").click()
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / "plan-compare-changes.png"), full_page=True)
    context.close()

    # Another 基层工会's chair: the plan does not exist for them.
    other = browser.new_context(locale="zh-CN")
    other_page = other.new_page()
    log_in(other_page, live_server, "hospital_chair")
    response = other_page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert response.status == 404
    other.close()
    assert errors == []
