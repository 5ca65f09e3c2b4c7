"""The plan pages: list, detail, workflow buttons and posts, new version, dashboard card; who gets what."""

import pytest
from django.urls import reverse

from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from plans.models import Item, ItemStatus, Plan, PlanStatus
from plans.tests.builders import build_plan
from union_office.models import AuditEntry


@pytest.fixture
def plan(org):
    return build_plan(org.school, status=PlanStatus.REVIEW)


# --- Login, 404, 403, 405 -------------------------------------------------------------------------


def test_every_page_needs_login(client, plan):
    urls = [
        reverse("plans:index"),
        reverse("plans:detail", args=[plan.pk]),
        reverse("plans:follow", args=[plan.pk]),
        reverse("plans:compare") + f"?a={plan.pk}&b={plan.pk}",
        reverse("plans:export_pdf", args=[plan.pk]),
        reverse("plans:export_docx", args=[plan.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    for url in [reverse("plans:transition", args=[plan.pk, "approve"]), reverse("plans:new_version", args=[plan.pk])]:
        assert client.post(url).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW


def test_outsider_gets_404_everywhere(login, outsider, other_committee, plan):
    for user in (outsider, other_committee):
        client = login(user)
        for name in ("plans:detail", "plans:follow", "plans:export_pdf", "plans:export_docx"):
            assert client.get(reverse(name, args=[plan.pk])).status_code == 404, name
        assert client.post(reverse("plans:transition", args=[plan.pk, "approve"])).status_code == 404
        assert client.post(reverse("plans:new_version", args=[plan.pk])).status_code == 404
        assert plan.title not in client.get(reverse("plans:index")).content.decode()


def test_wrong_methods_are_405(login, chair, plan):
    client = login(chair)
    assert client.post(reverse("plans:index")).status_code == 405
    assert client.post(reverse("plans:detail", args=[plan.pk])).status_code == 405
    assert client.post(reverse("plans:follow", args=[plan.pk])).status_code == 405
    assert client.get(reverse("plans:transition", args=[plan.pk, "approve"])).status_code == 405
    assert client.get(reverse("plans:new_version", args=[plan.pk])).status_code == 405
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW


def test_unknown_action_is_404(login, chair, plan):
    assert login(chair).post(reverse("plans:transition", args=[plan.pk, "delete"])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "action", "expected"),
    [
        ("member", "approve", 403),
        ("treasurer", "approve", 403),
        ("auditor", "send_back", 403),
        ("committee", "approve", 403),  # reads the school plan (above their 分工会), may not approve it
        ("chair", "approve", 302),
        ("chair", "send_back", 302),
    ],
)
def test_transition_permissions(request, login, plan, persona, action, expected):
    response = login(request.getfixturevalue(persona)).post(reverse("plans:transition", args=[plan.pk, action]))
    assert response.status_code == expected
    plan.refresh_from_db()
    assert (plan.status != PlanStatus.REVIEW) == (expected == 302)


def test_transition_success_and_refusal_messages(login, chair, plan):
    client = login(chair)
    response = client.post(reverse("plans:transition", args=[plan.pk, "approve"]), follow=True)
    body = response.content.decode()
    assert "已批准" in body and "当前状态：已批准" in body
    response = client.post(reverse("plans:transition", args=[plan.pk, "approve"]), follow=True)
    assert "计划当前状态为“已批准”，不能“批准”。" in response.content.decode()
    assert AuditEntry.objects.filter(action="plan.approve").count() == 1


def test_send_back_keeps_the_note(login, chair, plan):
    login(chair).post(reverse("plans:transition", args=[plan.pk, "send_back"]), {"note": "请补充活动安排"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert AuditEntry.objects.get(action="plan.send_back").changes["note"] == "请补充活动安排"


def test_new_version_view(login, chair, member, org):
    plan = build_plan(org.school, status=PlanStatus.ACTIVE)
    assert login(member).post(reverse("plans:new_version", args=[plan.pk])).status_code == 403
    response = login(chair).post(reverse("plans:new_version", args=[plan.pk]))
    new = Plan.objects.get(previous=plan)
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[new.pk])
    response = login(chair).post(reverse("plans:new_version", args=[plan.pk]), follow=True)
    assert "已有新版本" in response.content.decode()
    assert Plan.objects.filter(previous=plan).count() == 1


# --- Detail -------------------------------------------------------------------------------------


def _buttons(body: str) -> set[str]:
    return {
        action
        for action in ("submit", "send_back", "approve", "start", "archive")
        if f'data-transition="{action}"' in body
    }


def test_detail_shows_the_document_and_the_buttons_this_user_may_press(login, chair, member, committee, plan):
    body = login(chair).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "一、加强组织建设" in body and "（一）春季活动" in body and "<strong>1、</strong>召开会员代表大会" in body
    assert "活动安排" in body and "三八妇女节活动" in body
    assert _buttons(body) == {"approve", "send_back"}
    assert reverse("plans:export_pdf", args=[plan.pk]) in body
    assert reverse("plans:export_docx", args=[plan.pk]) in body
    assert reverse("plans:editor", args=[plan.pk]) not in body  # under review: not editable
    member_body = login(member).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert _buttons(member_body) == set()
    assert reverse("plans:new_version", args=[plan.pk]) not in member_body
    assert _buttons(login(committee).get(reverse("plans:detail", args=[plan.pk])).content.decode()) == set()


def test_detail_of_a_draft_links_to_the_editor(login, chair, committee, org):
    plan = build_plan(org.branch_a)
    body = login(committee).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("plans:editor", args=[plan.pk]) in body
    assert _buttons(body) == {"submit"}


def test_detail_of_a_running_plan_offers_new_version_following_and_completion(login, chair, org):
    plan = build_plan(org.school, status=PlanStatus.ACTIVE)
    Item.objects.filter(content="组织秋游").update(status=ItemStatus.DONE)
    body = login(chair).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("plans:new_version", args=[plan.pk]) in body and reverse("plans:follow", args=[plan.pk]) in body
    assert _buttons(body) == {"archive"}
    assert 'data-completion="25"' in body  # 1 of 4 items
    assert 'data-section-completion="50"' in body  # 二、: 1 of its 2


def test_detail_lists_versions_with_compare_links(login, chair, org):
    old = build_plan(org.school, status=PlanStatus.APPROVED)
    client = login(chair)
    client.post(reverse("plans:new_version", args=[old.pk]))
    new = Plan.objects.get(previous=old)
    body = client.get(reverse("plans:detail", args=[new.pk])).content.decode()
    assert reverse("plans:detail", args=[old.pk]) in body
    assert f"{reverse('plans:compare')}?a={old.pk}&amp;b={new.pk}" in body
    assert (
        reverse("plans:new_version", args=[old.pk])
        not in client.get(reverse("plans:detail", args=[old.pk])).content.decode()
    )


# --- List ---------------------------------------------------------------------------------------


def test_list_shows_visible_plans_with_status_version_and_completion(login, member, org):
    school = build_plan(org.school, status=PlanStatus.ACTIVE)
    Item.objects.filter(section__plan=school, content="组织秋游").update(status=ItemStatus.DONE)
    build_plan(org.hospital, title="医院工会计划")
    body = login(member).get(reverse("plans:index")).content.decode()
    assert school.title in body and "医院工会计划" not in body
    assert "执行中" in body and "第 1 版" in body and 'data-completion="25"' in body
    assert reverse("plans:create") not in body  # a plain member drafts nothing


def test_list_offers_new_plan_to_drafters(login, committee):
    body = login(committee).get(reverse("plans:index")).content.decode()
    assert reverse("plans:create") in body


def test_list_filters_by_year_unit_and_status(login, chair, org):
    build_plan(org.school, year=2025, title="2025计划", status=PlanStatus.ARCHIVED)
    build_plan(org.school, year=2026, title="2026计划", status=PlanStatus.ACTIVE)
    build_plan(org.branch_a, year=2026, title="分工会计划")
    client = login(chair)
    url = reverse("plans:index")
    body = client.get(url, {"year": 2025}).content.decode()
    assert "2025计划" in body and "2026计划" not in body
    body = client.get(url, {"org_unit": org.branch_a.pk}).content.decode()
    assert "分工会计划" in body and "2026计划" not in body
    body = client.get(url, {"status": "active"}).content.decode()
    assert "2026计划" in body and "2025计划" not in body and "分工会计划" not in body
    # A unit outside the scope is not a valid choice: nothing is filtered in, nothing leaks.
    body = client.get(url, {"org_unit": org.hospital.pk}).content.decode()
    assert "人民医院" not in body


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_is_flat(login, chair, org, count, django_assert_num_queries):
    from members.tests.factories import OrgUnitFactory

    for i in range(count):
        unit = OrgUnitFactory(name=f"分工会{i}", parent=org.school)
        build_plan(unit, tree=[{"title": "x", "items": [{"content": "a"}, {"content": "b", "status": "done"}]}])
    client = login(chair)
    client.get(reverse("plans:index"))  # warm the session
    # user, grants (roles and own member record in one query), year choices, count, page
    # (with the completion counts grouped in), unit choices: the same for 1 plan or 30
    with django_assert_num_queries(6):
        response = client.get(reverse("plans:index"))
    assert response.content.decode().count('data-completion="50"') == count


# --- Dashboard ----------------------------------------------------------------------------------


def test_dashboard_card_for_members_and_approvers(login, chair, member, org):
    from django.utils import timezone

    year = timezone.localdate().year
    running = build_plan(org.school, year=year, status=PlanStatus.ACTIVE)
    build_plan(org.branch_a, year=year, status=PlanStatus.REVIEW, title="高一分工会计划")
    owner = UserFactory(username="owner")
    MemberFactory(name="王五", org_unit=org.branch_b, user=owner)
    item = Item.objects.get(section__plan=running, content="组织秋游")
    item.owner, item.deadline_due, item.deadline_ok = owner.member, timezone.localdate(), True
    item.save()

    body = login(chair).get(reverse("dashboard")).content.decode()
    assert 'data-card="plans"' in body
    assert 'data-testid="plans-awaiting"' in body and "高一分工会计划" in body
    assert reverse("plans:follow", args=[running.pk]) in body

    body = login(member).get(reverse("dashboard")).content.decode()
    assert 'data-card="plans"' in body and 'data-testid="plans-awaiting"' not in body

    body = login(owner).get(reverse("dashboard")).content.decode()
    assert 'data-testid="plans-my-items"' in body and "组织秋游" in body


def test_no_dashboard_card_without_plans(login, outsider):
    assert 'data-card="plans"' not in login(outsider).get(reverse("dashboard")).content.decode()


def test_hospital_chair_does_not_see_school_plans_to_approve(login, org, plan):
    user = UserFactory(username="hospital_chair")
    RoleGrantFactory(user=user, org_unit=org.hospital, role=Role.CHAIR)
    body = login(user).get(reverse("dashboard")).content.decode()
    assert plan.title not in body
