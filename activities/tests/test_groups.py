"""兴趣小组: leader and members, the yearly plan and budget, the committee's decision."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from activities import services
from activities.models import GroupPlan
from activities.services import ActivityError

from .factories import member_of, person


@pytest.fixture
def group(chair, org):
    leader = person(org.branch_b, name="书法组长")
    return services.group_create(actor=chair, org_unit=org.school, name="书法兴趣小组", leader=leader)


def test_members_join_and_leave_but_the_leader_stays(group, member, org):
    services.group_join(actor=member, group_id=group.pk)
    with pytest.raises(ActivityError, match="已是"):
        services.group_join(actor=member, group_id=group.pk)
    assert group.memberships.count() == 2
    services.group_leave(actor=member, group_id=group.pk)
    with pytest.raises(ActivityError, match="组长不能退出"):
        services.group_leave(actor=group.leader.user, group_id=group.pk)


def test_outsiders_cannot_join(group, outsider):
    with pytest.raises(ActivityError, match="只接收"):
        services.group_join(actor=outsider, group_id=group.pk)


def test_the_leader_submits_the_plan_and_the_committee_approves_less(group, chair):
    leader = group.leader.user
    plan = services.group_plan_save(
        actor=leader, group_id=group.pk, year=2026, content="每月一次临帖交流；5月校园书法展。", budget_requested="3000"
    )
    plan = services.group_plan_transition(actor=leader, plan_id=plan.pk, action="submit")
    assert plan.status == GroupPlan.Status.SUBMITTED
    with pytest.raises(ActivityError, match="不能再修改"):
        services.group_plan_save(actor=leader, group_id=group.pk, year=2026, content="改", budget_requested="5000")
    with pytest.raises(PermissionDenied):
        services.group_plan_transition(actor=leader, plan_id=plan.pk, action="approve")
    with pytest.raises(ActivityError, match="不能超过申请的 3000.00 元"):
        services.group_plan_transition(actor=chair, plan_id=plan.pk, action="approve", budget_approved="3500")
    plan = services.group_plan_transition(
        actor=chair, plan_id=plan.pk, action="approve", budget_approved="2500", note="展览经费减半"
    )
    assert (plan.status, plan.budget_approved, plan.decided_by) == (
        GroupPlan.Status.APPROVED,
        Decimal("2500.00"),
        chair,
    )


def test_returned_plans_need_a_reason_and_can_be_resubmitted(group, chair):
    leader = group.leader.user
    plan = services.group_plan_save(actor=leader, group_id=group.pk, year=2026, content="计划", budget_requested="100")
    services.group_plan_transition(actor=leader, plan_id=plan.pk, action="submit")
    with pytest.raises(ActivityError, match="退回的原因"):
        services.group_plan_transition(actor=chair, plan_id=plan.pk, action="return")
    services.group_plan_transition(actor=chair, plan_id=plan.pk, action="return", note="请写明每次活动人数")
    services.group_plan_save(
        actor=leader, group_id=group.pk, year=2026, content="计划，每次约20人", budget_requested="100"
    )
    assert services.group_plan_transition(actor=leader, plan_id=plan.pk, action="submit").status == "submitted"


def test_a_plain_member_cannot_write_someone_elses_group_plan(group, member):
    member_of(member)
    with pytest.raises(PermissionDenied):
        services.group_plan_save(actor=member, group_id=group.pk, year=2026, content="x", budget_requested="1")


def test_negative_budget_is_refused(group):
    with pytest.raises(ActivityError, match="不能为负数"):
        services.group_plan_save(
            actor=group.leader.user, group_id=group.pk, year=2026, content="x", budget_requested="-1"
        )
