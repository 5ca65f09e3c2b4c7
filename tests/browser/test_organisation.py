"""Browser walk of issue 21: the school's chair adds a 工会小组, creates logins for its members and
prints the code sheet, grants one of them a committee role with an end date; the county's chair
sets up a 金秋助学 campaign whose 扶贫手册 is asked of 农民工 only.
The chair also keeps the departments (adds one, names its handler, retires it), and a member
corrects their phone, which the chair approves from the 待办 list.
Screenshots: test-artifacts/screenshots/organisation-*.png."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"organisation-{name}.png"), full_page=True)


def test_chair_adds_a_group_creates_logins_and_grants_a_role(browser, live_server, demo):
    from members.models import Member, OrgUnit, RoleGrant

    branch = OrgUnit.objects.get(name="高二年级分工会")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")

    page.click("a.nav-link:has-text('组织')")
    page.wait_for_selector("[data-testid=unit-tree]")
    shot(page, "tree")
    page.click("[data-unit=高二年级分工会] a.btn")
    page.fill("[data-testid=add-form] [name=name]", "英语组工会小组")
    page.select_option("[data-testid=add-form] [name=kind]", "group")
    page.click("[data-testid=add-form] button")
    page.wait_for_selector("text=已新增“英语组工会小组”")
    group = OrgUnit.objects.get(name="英语组工会小组", parent=branch)

    # The committee moved three teachers of the English group into it (a roster edit).
    teachers = list(Member.objects.filter(org_unit=branch, user__isnull=True, status="active").order_by("pk")[:3])
    Member.objects.filter(pk__in=[t.pk for t in teachers]).update(org_unit=group)

    page.goto(f"{live_server.url}/members/organisation/{group.pk}/")
    page.click("[data-testid=create-logins-link]")
    page.check("[name=whole_unit]")
    page.click("[data-testid=create-logins]")
    page.wait_for_selector("[data-testid=code-sheet]")
    assert page.locator(".uo-code-slip").count() == 3
    shot(page, "code-sheet")
    assert all(Member.objects.get(pk=t.pk).user_id for t in teachers)

    ends = timezone.localdate() + dt.timedelta(days=365)
    page.goto(f"{live_server.url}/members/organisation/{group.pk}/")
    page.select_option("[data-testid=grant-form] [name=member]", str(teachers[0].pk))
    page.select_option("[data-testid=grant-form] [name=role]", "committee")
    page.fill("[data-testid=grant-form] [name=ends_on]", ends.isoformat())
    page.fill("[data-testid=grant-form] [name=reason]", "小组换届，任期一年")
    page.click("[data-testid=grant-form] button")
    page.wait_for_selector("text=已授予")
    assert page.locator("[data-testid=grants]").get_by_text(ends.isoformat()).count() == 1
    shot(page, "unit")
    grant = RoleGrant.objects.get(org_unit=group, role="committee")
    assert grant.ends_on == ends and grant.user_id == Member.objects.get(pk=teachers[0].pk).user_id
    assert errors == []
    context.close()


def test_county_sets_up_a_campaign_with_a_conditional_document(browser, live_server, demo):
    from welfare.models import Campaign

    today = timezone.localdate()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "county_chair")
    page.goto(f"{live_server.url}/welfare/jinqiu/")
    page.click("[data-testid=campaign-create-link]")
    page.select_option("[name=org_unit]", label="清河县总工会")
    page.fill("[name=title]", f"{today.year}年金秋助学（补报）")
    page.fill("[name=opens_on]", today.isoformat())
    page.fill("[name=deadline]", (today + dt.timedelta(days=20)).isoformat())
    page.fill("[name=closes_on]", (today + dt.timedelta(days=45)).isoformat())
    page.fill("[name=eligibility]", "当年考入二本及以上院校的困难职工、农民工子女。")
    shot(page, "campaign-form")
    page.click("[data-testid=campaign-form] button[type=submit]")
    page.wait_for_selector("text=扶贫手册（农民工）")
    shot(page, "campaign-detail")
    campaign = Campaign.objects.get(title=f"{today.year}年金秋助学（补报）")
    assert campaign.documents_for("employee") == ["书面申请", "户口簿和身份证", "录取通知书"]
    assert "扶贫手册" in campaign.documents_for("migrant")
    context.close()


def test_chair_keeps_the_departments(browser, live_server, demo):
    from members.models import Department, RoleGrant

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, live_server, "chair")
    page.click("a.nav-link:has-text('组织')")
    page.click("a.btn:has-text('部门')")
    page.fill("[data-testid=department-add-form] [name=name]", "校史馆")
    page.click("[data-testid=department-add-form] button")
    page.wait_for_selector("text=已新增部门“校史馆”")
    page.click("[data-department=校史馆] a.btn")
    page.select_option("[data-testid=handler-form] [name=member]", label="吴雪（高二年级分工会）")
    page.fill("[data-testid=handler-form] [name=reason]", "兼任校史馆负责人")
    page.click("[data-testid=handler-form] button")
    page.wait_for_selector("text=已指定吴雪为“校史馆”的承办部门负责人。")
    shot(page, "department")
    department = Department.objects.get(name="校史馆")
    assert RoleGrant.objects.get(department=department).role == "handler"
    page.fill("[data-testid=department-retire-form] [name=reason]", "并入办公室")
    page.click("[data-testid=department-retire-form] button")
    page.wait_for_selector("text=已撤销部门“校史馆”")
    page.click("nav[aria-label=breadcrumb] a:has-text('部门')")
    page.wait_for_selector("[data-department=校史馆] .badge:has-text('已撤销')")
    shot(page, "departments")
    assert not Department.objects.filter(name="校史馆").exists()
    assert errors == []
    context.close()


def test_member_corrects_the_phone_and_the_chair_approves(browser, live_server, demo):
    from members.models import Member

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "member")
    page.click("[data-testid=my-contact-link]")
    page.fill("[data-testid=contact-form] [name=phone]", "13912345678")
    page.fill("[data-testid=contact-form] [name=email]", "wuxue@example.cn")
    page.click("[data-testid=contact-form] button")
    page.wait_for_selector("[data-testid=pending]")
    shot(page, "contact-pending")
    assert Member.objects.get(user__username="member").phone != "13912345678"
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "chair")
    page.wait_for_selector("[data-card=todo] >> text=联系方式更正")
    page.goto(f"{live_server.url}/members/contact-corrections/")
    shot(page, "contact-review")
    page.click("[data-testid=corrections] button:has-text('同意更正')")
    page.wait_for_selector("text=已通知本人")
    member = Member.objects.select_related("user").get(user__username="member")
    assert member.phone == "13912345678" and member.user.email == "wuxue@example.cn"
    context.close()
