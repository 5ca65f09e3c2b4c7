"""The 责任人 picker: suggestions scoped by members.access, the member link saved with the item."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import MemberStatus
from members.tests.factories import MemberFactory
from plans import editing
from plans.editing import PlanEditError
from plans.models import Item, Section
from union_office.models import AuditEntry

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def plan(chair, org):
    plan = editing.plan_create(actor=chair, org_unit=org.school, year=2026, title="第一中学工会2026年工作计划")
    editing.section_add(actor=chair, plan_id=plan.pk, expected_revision=0, title="加强组织建设")
    plan.refresh_from_db()
    return plan


@pytest.fixture
def people(org):
    """张三 in 分工会 A's 小组, 张三丰 in 分工会 B (with a phone), 张小 who has left, 张医生 at the hospital."""
    return {
        "a": MemberFactory(name="张三", org_unit=org.group_a, department=org.school_office),
        "b": MemberFactory(name="张三丰", org_unit=org.branch_b, phone="13900001111"),
        "left": MemberFactory(name="张小", org_unit=org.school, status=MemberStatus.WITHDRAWN),
        "hospital": MemberFactory(name="张医生", org_unit=org.ward),
    }


def _suggest(client, plan, text):
    return client.get(reverse("plans:owner_suggest", args=[plan.pk]), {"owner_text": text}, **HX)


def _names(response):
    body = response.content.decode()
    return [part.split('"', 1)[0] for part in body.split('data-member-name="')[1:]]


def _section(plan):
    return Section.objects.get(plan=plan)


# --- Suggestions ---------------------------------------------------------------------------


def test_suggestions_are_the_plans_units_members_on_the_roster(login, chair, plan, people):
    response = _suggest(login(chair), plan, "张")

    assert response.status_code == 200
    # not the hospital's 张医生, not 张小 who left; the leading match before the others, in tree order
    assert _names(response) == ["张三", "张三丰"]
    body = response.content.decode()
    assert "语文组工会小组 · 办公室" in body and "高二年级分工会" in body
    assert f'data-member-id="{people["a"].pk}"' in body
    # the picker shows name, unit and department: no ID number, phone or birth date
    for member in (people["a"], people["b"]):
        assert member.id_number_masked not in body
        assert member.id_number[-6:] not in body
        assert member.birth_date.isoformat() not in body
    assert "13900001111" not in body
    assert response["Cache-Control"].count("no-store") == 1


def test_exact_name_first_then_names_that_start_with_it(login, chair, plan, org):
    MemberFactory(name="老张三", org_unit=org.school)
    MemberFactory(name="张三丰", org_unit=org.school)
    MemberFactory(name="张三", org_unit=org.branch_b)

    assert _names(_suggest(login(chair), plan, "张三")) == ["张三", "张三丰", "老张三"]


def test_nothing_typed_or_nothing_found(login, chair, plan, people):
    client = login(chair)

    assert _suggest(client, plan, "  ").content.decode().strip() == ""
    response = _suggest(client, plan, "工会办公室")
    assert _names(response) == []
    assert 'data-testid="owner-none"' in response.content.decode()


def test_a_branch_plan_suggests_only_the_branchs_members(login, committee, org, people):
    plan = editing.plan_create(actor=committee, org_unit=org.branch_a, year=2026, title="高一分工会计划")

    assert _names(_suggest(login(committee), plan, "张")) == ["张三"]


@pytest.mark.parametrize("persona", ["outsider", "other_committee"])
def test_other_units_get_404(request, login, plan, people, persona):
    response = _suggest(login(request.getfixturevalue(persona)), plan, "张")

    assert response.status_code == 404
    assert "张三" not in response.content.decode()


@pytest.mark.parametrize("persona", ["committee", "member", "treasurer"])
def test_readers_of_the_plan_get_403(request, login, plan, people, persona):
    response = _suggest(login(request.getfixturevalue(persona)), plan, "张")

    assert response.status_code == 403
    assert "张三" not in response.content.decode()


def test_needs_login_and_get(client, login, chair, plan):
    url = reverse("plans:owner_suggest", args=[plan.pk])
    assert client.get(url, {"owner_text": "张"}).status_code == 302
    assert login(chair).post(url, {"owner_text": "张"}).status_code == 405


def test_query_count_is_the_same_for_one_match_and_many(login, chair, plan, org):
    client = login(chair)
    MemberFactory(name="王一", org_unit=org.group_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = _suggest(client, plan, "王")
        return len(queries), len(_names(response))

    few = count()
    for n in range(14):
        MemberFactory(name=f"王{n}号", org_unit=org.branch_b if n % 2 else org.group_a)
    many = count()

    assert few[1] == 1 and many[1] == 10  # at most ten
    assert few[0] == many[0]


# --- Saving --------------------------------------------------------------------------------


def test_add_an_item_with_a_picked_member(chair, plan, people):
    item = editing.item_add(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=1,
        section_id=_section(plan).pk,
        content="走访",
        owner_id=people["a"].pk,
    )

    assert (item.owner_id, item.owner_text) == (people["a"].pk, "张三")  # the name fills an empty text
    entry = AuditEntry.objects.filter(action="plan.item_add").latest("pk")
    assert entry.changes["owner"] == people["a"].pk


def test_free_text_needs_no_member(chair, plan):
    item = editing.item_add(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=1,
        section_id=_section(plan).pk,
        content="走访",
        owner_text="工会办公室",
    )

    assert (item.owner_id, item.owner_text) == (None, "工会办公室")


@pytest.mark.parametrize("who", ["hospital", "left"])
def test_a_member_outside_the_choices_is_refused(chair, plan, people, who):
    with pytest.raises(PlanEditError, match="所选的责任人不是本单位的在册会员"):
        editing.item_add(
            actor=chair,
            plan_id=plan.pk,
            expected_revision=1,
            section_id=_section(plan).pk,
            content="走访",
            owner_id=people[who].pk,
        )

    assert not Item.objects.exists()
    plan.refresh_from_db()
    assert plan.revision == 1


def test_a_branch_committee_cannot_link_a_member_of_another_branch(committee, org, people):
    plan = editing.plan_create(actor=committee, org_unit=org.branch_a, year=2026, title="高一分工会计划")
    section = editing.section_add(actor=committee, plan_id=plan.pk, expected_revision=0, title="组织")

    with pytest.raises(PlanEditError):
        editing.item_add(
            actor=committee,
            plan_id=plan.pk,
            expected_revision=1,
            section_id=section.pk,
            content="走访",
            owner_id=people["b"].pk,
        )


def test_changing_the_text_away_from_the_name_drops_the_link(chair, plan, people):
    item = editing.item_add(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=1,
        section_id=_section(plan).pk,
        content="走访",
        owner_id=people["a"].pk,
    )

    # more words around the name keep it
    item = editing.item_update(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=2,
        item_id=item.pk,
        content="走访",
        owner_text="张三（组长）",
        owner_id=item.owner_id,
    )
    assert (item.owner_id, item.owner_text) == (people["a"].pk, "张三（组长）")
    # another text: the text wins
    item = editing.item_update(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=3,
        item_id=item.pk,
        content="走访",
        owner_text="工会办公室",
        owner_id=item.owner_id,
    )
    assert (item.owner_id, item.owner_text) == (None, "工会办公室")
    entry = AuditEntry.objects.filter(action="plan.item_update").latest("pk")
    assert entry.changes["owner_id"] == [people["a"].pk, None]


def test_a_linked_member_who_left_stays_linked_until_someone_else_is_picked(chair, plan, people):
    item = editing.item_add(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=1,
        section_id=_section(plan).pk,
        content="走访",
        owner_id=people["a"].pk,
    )
    people["a"].status = MemberStatus.RETIRED
    people["a"].save(update_fields=["status"])

    item = editing.item_update(
        actor=chair,
        plan_id=plan.pk,
        expected_revision=2,
        item_id=item.pk,
        content="走访（改）",
        owner_text="张三",
        owner_id=people["a"].pk,
    )

    assert item.owner_id == people["a"].pk


def test_the_item_form_posts_the_picked_member(login, chair, plan, people):
    item = editing.item_add(
        actor=chair, plan_id=plan.pk, expected_revision=1, section_id=_section(plan).pk, content="走访"
    )
    client = login(chair)
    url = reverse("plans:node_edit", args=[plan.pk, "item", item.pk])

    form = client.get(url, **HX).content.decode()
    assert reverse("plans:owner_suggest", args=[plan.pk]) in form
    assert 'name="owner" value=""' in form

    response = client.post(url, {"revision": 2, "content": "走访", "owner_text": "张三", "owner": people["a"].pk}, **HX)
    assert response.status_code == 200
    assert 'data-testid="owner-linked-mark"' in response.content.decode()
    item.refresh_from_db()
    assert (item.owner_id, item.owner_text) == (people["a"].pk, "张三")
    form = client.get(url, **HX).content.decode()
    assert f'name="owner" value="{people["a"].pk}"' in form and "已关联会员" in form


def test_the_add_form_refuses_a_member_from_elsewhere_and_keeps_the_text(login, chair, plan, people):
    section = _section(plan)
    response = login(chair).post(
        reverse("plans:item_add", args=[plan.pk]),
        {
            "revision": 1,
            "section": section.pk,
            "content": "走访",
            "owner_text": "张医生",
            "owner": people["hospital"].pk,
        },
        **HX,
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "所选的责任人不是本单位的在册会员" in body and 'value="张医生"' in body
    assert not Item.objects.exists()
