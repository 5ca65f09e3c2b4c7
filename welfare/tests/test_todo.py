"""The 工作台's 待办 list (union_office/todo.py) from the welfare tables: each step is on the list
of whoever may take it now, and only theirs; its query count does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from union_office.todo import todo_for
from welfare.services import aid as aid_services

from .conftest import advance

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_committee(org):
    user = UserFactory(username="b_committee")
    MemberFactory(org_unit=org.branch_b, user=user)
    RoleGrantFactory(user=user, org_unit=org.branch_b, role=Role.COMMITTEE)
    return user


def apply(member, n=1):
    return aid_services.aid_create(
        actor=member, member=member.member, kind="illness", amount_requested="5000", reason=f"住院{n}", submit=True
    )


def titles(user):
    return [(item.title, item.actions) for item in todo_for(user)]


def test_the_step_is_on_the_list_of_whoever_takes_it(member, chair, b_committee, treasurer, committee):
    application = apply(member)
    assert titles(b_committee) == [(str(application), ("初审通过",))]
    assert titles(chair) == [(str(application), ("初审通过",))]
    assert titles(member) == []  # their own case: nothing to do but wait
    assert titles(committee) == []  # 分工会 A does not see B's case
    assert titles(treasurer) == []
    aid_services.aid_transition(actor=b_committee, application_id=application.pk, action="screen")
    aid_services.aid_transition(
        actor=b_committee,
        application_id=application.pk,
        action="verify",
        visited_on=timezone.localdate(),
        visitors="甲",
        findings="属实",
    )
    assert titles(b_committee) == []  # 审定 is the chair's
    assert titles(chair) == [(str(application), ("审定",))]
    application.refresh_from_db()
    application = advance(application, "notice", chair=chair)
    assert titles(treasurer) == [(str(application), ("发放并记账",))]
    assert titles(chair) == []


def test_oldest_first(member, member_in_b, chair):
    first = apply(member)
    second = aid_services.aid_create(
        actor=chair, member=member_in_b, kind="living", amount_requested="100", reason="x", submit=True
    )
    assert [item.title for item in todo_for(chair)] == [str(first), str(second)]


def test_the_dashboard_and_the_badge(login, member, chair):
    apply(member)
    client = login(chair)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="todo-item"' in page and "初审通过" in page
    badge = client.get(reverse("todo_badge")).content.decode()
    assert 'data-count="1"' in badge
    assert 'data-testid="todo-empty"' in login(member).get(reverse("dashboard")).content.decode()


def test_the_list_reads_the_same_queries_for_1_and_30_cases(org, chair, django_assert_num_queries):
    def make(n):
        for i in range(n):
            user = UserFactory()
            MemberFactory(org_unit=org.branch_b, user=user)
            application = apply(user, i)
            if i % 2:
                advance(application, "notice", chair=chair)

    make(2)
    chair_again = type(chair).objects.get(pk=chair.pk)
    with CaptureQueriesContext(connection) as few:
        assert len(todo_for(chair_again)) == 1
    # One query per registered workflow (aid, 金秋, plans, budgets, motions, summaries, events, group
    # plans), one for the user's grants and one for the earlier actors.
    from union_office.todo import TODO_SOURCES

    assert len(few.captured_queries) <= len(TODO_SOURCES) + 2
    make(30)
    chair_again = type(chair).objects.get(pk=chair.pk)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(todo_for(chair_again)) == 16
