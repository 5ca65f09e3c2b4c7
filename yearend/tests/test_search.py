"""The navbar search: never a record outside the user's scope, members masked, flat query count."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import EventFactory
from members.tests.factories import MemberFactory
from plans.tests.builders import build_plan
from welfare.models import AidApplication
from yearend.search import search

pytestmark = pytest.mark.django_db
KEYWORD = "王"
User = get_user_model()


@pytest.fixture
def world(org, treasurer):
    """The same kinds of record, with the keyword, at the school and at the hospital."""
    rows = {}
    for side, unit, branch in (("school", org.school, org.branch_a), ("hospital", org.hospital, org.ward)):
        person = MemberFactory(org_unit=branch, name=f"{KEYWORD}{side}", member_no=f"NO-{side}")
        event = EventFactory(org_unit=branch, title=f"{KEYWORD}氏杯{side}", starts_at=timezone.now())
        plan = build_plan(unit, tree=[{"title": "一、工作", "items": [{"content": f"{KEYWORD}{side}条目"}]}])
        aid = AidApplication.objects.create(
            member=person, org_unit=branch, kind="living", amount_requested="500", reason="困难", created_by=treasurer
        )
        rows[side] = {
            "members": reverse("members:member_detail", args=[person.pk]),
            "events": reverse("activities:event_detail", args=[event.pk]),
            "plan_items": reverse("plans:detail", args=[plan.pk]),
            "aid": reverse("welfare:aid_detail", args=[aid.pk]),
        }
    return rows


def _urls(user):
    return {hit.url for group in search(user, KEYWORD) for hit in group.hits}


@pytest.mark.parametrize("persona", ["chair", "committee", "treasurer", "auditor", "member", "outsider"])
def test_search_never_returns_a_record_the_user_cannot_open(request, client, world, persona):
    user = request.getfixturevalue(persona)
    found = _urls(user)
    client.force_login(user)
    for url in found:
        assert client.get(url).status_code == 200, (persona, url)
    own, other = ("hospital", "school") if persona == "outsider" else ("school", "hospital")
    assert not found & set(world[other].values()), persona
    if persona == "chair":
        assert found >= set(world[own].values())


def test_members_are_found_by_id_tail_and_shown_masked(chair, world, org):
    person = MemberFactory(org_unit=org.branch_a, name="赵六")
    tail = person.id_number[-4:]
    groups = search(chair, tail)
    hits = [hit for group in groups if group.key == "members" for hit in group.hits]
    assert any(hit.title == "赵六" for hit in hits)
    assert all(person.id_number not in hit.detail for hit in hits)
    assert any(person.id_number_masked in hit.detail for hit in hits)


def test_the_page_groups_results_and_needs_login(client, login, chair, world):
    url = reverse("yearend:search")
    assert client.get(url, {"q": KEYWORD}).status_code == 302
    page = login(chair).get(url, {"q": KEYWORD})
    body = page.content.decode()
    assert page.status_code == 200
    for key in ("members", "events", "plan_items", "aid"):
        assert f'data-testid="search-group-{key}"' in body
    assert "没有找到" in login(chair).get(url, {"q": "不存在的词"}).content.decode()
    assert login(chair).get(url, {"q": "x" * 500}).status_code == 200


def test_the_query_count_is_the_same_for_one_hit_and_thirty(chair, org, django_assert_num_queries):
    MemberFactory(org_unit=org.branch_a, name="钱一")
    # The grants, then one query per kind of record: members, motions, plan items, events, aid, 金秋.
    user = User.objects.get(pk=chair.pk)
    with django_assert_num_queries(7):
        search(user, "钱")
    for n in range(30):
        MemberFactory(org_unit=org.branch_a, name=f"钱{n}号")
        EventFactory(org_unit=org.school, title=f"钱塘游{n}", starts_at=timezone.now())
    user = User.objects.get(pk=chair.pk)
    with django_assert_num_queries(7):
        groups = search(user, "钱")
    assert {g.key: g.more for g in groups} == {"members": True, "events": True}
