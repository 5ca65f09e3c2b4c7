"""The plan workflow: every move of plans/workflow.py, who may make it, versions, item progress."""

import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import translation

from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from plans import services, workflow
from plans.models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry, Section
from plans.selectors import outline, plan_tree
from plans.services import PlanWorkflowError
from plans.tests.builders import build_plan
from union_office.models import AuditEntry
from union_office.testing import run_at_once

ACTIONS = sorted({t.action for t in workflow.TRANSITIONS})


@pytest.fixture
def hospital_chair(org):
    user = UserFactory(username="hospital_chair")
    MemberFactory(name="医院主席", org_unit=org.hospital, user=user)
    RoleGrantFactory(user=user, org_unit=org.hospital, role=Role.CHAIR)
    return user


@pytest.fixture
def owner_user(org):
    """A plain member of 分工会 B who is the 责任人 of an item."""
    user = UserFactory(username="owner")
    MemberFactory(name="王五", org_unit=org.branch_b, user=user)
    return user


# --- Every move ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", PlanStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_move_is_allowed_exactly_as_the_table_says(chair, org, status, action):
    plan = build_plan(org.school, status=status)
    move = workflow.transition(action, status)
    if move is None:
        with pytest.raises(PlanWorkflowError) as error:
            services.plan_transition(actor=chair, plan_id=plan.pk, action=action)
        message = error.value.messages[0]
        assert str(PlanStatus(status).label) in message
        assert str(next(t.label for t in workflow.TRANSITIONS if t.action == action)) in message
        plan.refresh_from_db()
        assert plan.status == status
        assert not AuditEntry.objects.exists()
    else:
        moved = services.plan_transition(actor=chair, plan_id=plan.pk, action=action, note="同意")
        assert moved.status == move.target
        assert moved.revision == plan.revision + 1
        entry = AuditEntry.objects.get(action=f"plan.{action}")
        assert entry.actor == chair
        assert entry.changes["status"] == [status, move.target]
        assert entry.changes["note"] == "同意"


def test_the_whole_road_sets_the_moments(chair, committee, org):
    plan = build_plan(org.branch_a)
    plan = services.plan_transition(actor=committee, plan_id=plan.pk, action="submit")
    assert plan.status == PlanStatus.REVIEW and plan.submitted_at is not None
    plan = services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None and plan.approved_by == chair
    plan = services.plan_transition(actor=chair, plan_id=plan.pk, action="start")
    assert plan.status == PlanStatus.ACTIVE
    plan = services.plan_transition(actor=chair, plan_id=plan.pk, action="archive")
    assert plan.status == PlanStatus.ARCHIVED


def test_unknown_action_is_refused(chair, org):
    plan = build_plan(org.school)
    with pytest.raises(PlanWorkflowError, match="未知"):
        services.plan_transition(actor=chair, plan_id=plan.pk, action="delete")


# --- Who may ------------------------------------------------------------------------------------


def test_plain_member_cannot_approve(member, org):
    plan = build_plan(org.school, status=PlanStatus.REVIEW)
    with pytest.raises(PermissionDenied):
        services.plan_transition(actor=member, plan_id=plan.pk, action="approve")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW


def test_plain_member_gets_403_from_the_view(login, member, org):
    plan = build_plan(org.school, status=PlanStatus.REVIEW)
    client = login(member)
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 200  # reads it
    response = client.post(reverse("plans:transition", args=[plan.pk, "approve"]))
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW


def test_another_units_chair_gets_404(login, hospital_chair, org):
    plan = build_plan(org.school, status=PlanStatus.REVIEW)
    client = login(hospital_chair)
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert client.post(reverse("plans:transition", args=[plan.pk, "approve"])).status_code == 404
    assert client.post(reverse("plans:new_version", args=[plan.pk])).status_code == 404
    # The service on its own refuses too (403): it never trusts the view to have checked.
    with pytest.raises(PermissionDenied):
        services.plan_transition(actor=hospital_chair, plan_id=plan.pk, action="approve")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW


def test_committee_can_submit_but_not_approve(committee, chair, org):
    plan = build_plan(org.branch_a)
    plan = services.plan_transition(actor=committee, plan_id=plan.pk, action="submit")
    assert plan.status == PlanStatus.REVIEW
    for action in ("approve", "send_back"):
        with pytest.raises(PermissionDenied):
            services.plan_transition(actor=committee, plan_id=plan.pk, action=action)
    # The school's chair approves the 分工会's plan: roles hold for the unit's subtree.
    plan = services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    assert plan.status == PlanStatus.APPROVED


def test_committee_cannot_submit_the_plan_of_the_unit_above(committee, org):
    plan = build_plan(org.school)
    with pytest.raises(PermissionDenied):
        services.plan_transition(actor=committee, plan_id=plan.pk, action="submit")


def test_read_only_roles_cannot_move_a_plan(treasurer, auditor, org):
    plan = build_plan(org.school)
    for user in (treasurer, auditor):
        with pytest.raises(PermissionDenied):
            services.plan_transition(actor=user, plan_id=plan.pk, action="submit")


# --- Versions -----------------------------------------------------------------------------------


def _approved_with_progress(org, owner=None):
    plan = build_plan(org.school, status=PlanStatus.ACTIVE)
    item = Item.objects.get(content="组织秋游")
    item.status, item.progress_note, item.owner = ItemStatus.IN_PROGRESS, "已联系旅行社", owner
    item.save()
    return plan


def test_new_version_copies_header_tree_schedule_and_progress(chair, org):
    plan = _approved_with_progress(org)
    new = services.plan_new_version(actor=chair, plan_id=plan.pk)
    assert (new.version, new.previous, new.status, new.created_by) == (2, plan, PlanStatus.DRAFT, chair)
    assert (new.title, new.guiding_ideas, new.org_unit, new.year) == (
        plan.title,
        plan.guiding_ideas,
        plan.org_unit,
        plan.year,
    )
    assert outline(plan_tree(new)) == outline(plan_tree(plan))
    copied = Item.objects.get(section__plan=new, content="组织秋游")
    assert (copied.status, copied.progress_note) == (ItemStatus.IN_PROGRESS, "已联系旅行社")
    first = Item.objects.get(section__plan=new, content__startswith="召开会员代表大会")
    assert (first.deadline_text, first.deadline_due, first.goal) == ("3月25日前", first.deadline_due, "按期换届")
    assert first.deadline_due is not None
    assert list(ScheduleEntry.objects.filter(plan=new).values_list("month_text", "activity")) == list(
        ScheduleEntry.objects.filter(plan=plan).values_list("month_text", "activity")
    )
    # The old version is untouched until the new one is approved.
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert Section.objects.filter(plan=plan).count() == Section.objects.filter(plan=new).count() == 4
    assert AuditEntry.objects.filter(action="plan.new_version", object_id=str(new.pk)).exists()


def test_approving_the_new_version_archives_the_old_one(chair, org, school_drafter):
    plan = _approved_with_progress(org)
    new = services.plan_new_version(actor=chair, plan_id=plan.pk)
    services.plan_transition(actor=school_drafter, plan_id=new.pk, action="submit")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE  # still the plan in force while the new one is reviewed
    new = services.plan_transition(actor=chair, plan_id=new.pk, action="approve")
    plan.refresh_from_db()
    assert new.status == PlanStatus.APPROVED
    assert plan.status == PlanStatus.ARCHIVED
    archived = AuditEntry.objects.get(action="plan.archive", object_id=str(plan.pk))
    assert archived.changes["replaced_by_version"] == 2
    assert AuditEntry.objects.get(action="plan.approve").changes["archived_version"] == 1


def test_only_one_newer_version_at_a_time(chair, org, school_drafter):
    plan = build_plan(org.school, status=PlanStatus.APPROVED)
    new = services.plan_new_version(actor=chair, plan_id=plan.pk)
    with pytest.raises(PlanWorkflowError, match="第 2 版"):
        services.plan_new_version(actor=chair, plan_id=plan.pk)
    services.plan_transition(actor=school_drafter, plan_id=new.pk, action="submit")
    with pytest.raises(PlanWorkflowError, match="审议中"):
        services.plan_new_version(actor=chair, plan_id=plan.pk)
    services.plan_transition(actor=chair, plan_id=new.pk, action="approve")
    third = services.plan_new_version(actor=chair, plan_id=new.pk)
    assert third.version == 3 and third.previous == new


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.REVIEW, PlanStatus.ARCHIVED])
def test_new_version_only_from_an_approved_or_running_plan(chair, org, status):
    plan = build_plan(org.school, status=status)
    with pytest.raises(PlanWorkflowError, match=str(PlanStatus(status).label)):
        services.plan_new_version(actor=chair, plan_id=plan.pk)
    assert Plan.objects.count() == 1


def test_new_version_needs_the_edit_permission(member, org):
    plan = build_plan(org.school, status=PlanStatus.APPROVED)
    with pytest.raises(PermissionDenied):
        services.plan_new_version(actor=member, plan_id=plan.pk)


# --- Item progress ------------------------------------------------------------------------------


def test_owner_updates_their_own_item(owner_user, org):
    plan = _approved_with_progress(org, owner=owner_user.member)
    item = Item.objects.get(section__plan=plan, content="组织秋游")
    services.item_progress_update(actor=owner_user, item_id=item.pk, status=ItemStatus.DONE, progress_note=" 已完成 ")
    item.refresh_from_db()
    assert (item.status, item.progress_note) == (ItemStatus.DONE, "已完成")
    entry = AuditEntry.objects.get(action="plan.item_progress")
    assert entry.changes["status"] == [ItemStatus.IN_PROGRESS, ItemStatus.DONE]
    assert entry.actor == owner_user


def test_owner_cannot_update_someone_elses_item(owner_user, org):
    plan = _approved_with_progress(org, owner=owner_user.member)
    other = Item.objects.get(section__plan=plan, content="组织春季职工运动会")
    with pytest.raises(PermissionDenied):
        services.item_progress_update(actor=owner_user, item_id=other.pk, status=ItemStatus.DONE, progress_note="")


def test_others_cannot_update_progress(member, other_committee, committee, org):
    plan = _approved_with_progress(org)
    item = Item.objects.get(section__plan=plan, content="组织秋游")
    # A plain member, another unit's committee, and a 分工会 committee below the plan's unit.
    for user in (member, other_committee, committee):
        with pytest.raises(PermissionDenied):
            services.item_progress_update(actor=user, item_id=item.pk, status=ItemStatus.DONE, progress_note="")
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS


def test_chair_updates_any_item_of_the_unit(chair, org):
    plan = _approved_with_progress(org)
    item = Item.objects.get(section__plan=plan, content="组织秋游")
    services.item_progress_update(
        actor=chair, item_id=item.pk, status=ItemStatus.CANCELLED, progress_note="天气原因取消"
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.REVIEW, PlanStatus.ARCHIVED])
def test_progress_only_while_the_plan_runs(chair, org, status):
    plan = build_plan(org.school, status=status)
    item = Item.objects.filter(section__plan=plan).first()
    with pytest.raises(PlanWorkflowError, match=str(PlanStatus(status).label)):
        services.item_progress_update(actor=chair, item_id=item.pk, status=ItemStatus.DONE, progress_note="")


def test_progress_rejects_a_bad_status(chair, org):
    plan = build_plan(org.school, status=PlanStatus.ACTIVE)
    item = Item.objects.filter(section__plan=plan).first()
    with pytest.raises(PlanWorkflowError):
        services.item_progress_update(actor=chair, item_id=item.pk, status="finished", progress_note="")


# --- The docs follow the table ------------------------------------------------------------------


@translation.override("zh-hans")  # the doc quotes the Chinese labels, whatever a previous test activated
def test_docs_show_the_table_of_the_code():
    from union_office.workflow import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "plans.md").read_text()
    assert markdown_table(services.PLAN) in text


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
    "cannot be shared between threads; run with DATABASE_URL=postgres://…",
)
def test_double_click_on_new_version_makes_one(chair, org, monkeypatch):
    plan = build_plan(org.school, status=PlanStatus.APPROVED)
    real_audit = services.audit_record

    def slow_audit(**kwargs):
        time.sleep(0.3)  # hold the lock so the second click arrives while the first is inside
        return real_audit(**kwargs)

    monkeypatch.setattr(services, "audit_record", slow_audit)
    outcomes = run_at_once(
        lambda n: services.plan_new_version(actor=chair, plan_id=plan.pk), 2, refusals=(PlanWorkflowError,)
    )
    assert sum(o.ok for o in outcomes) == 1, outcomes
    assert Plan.objects.filter(previous=plan).count() == 1


# --- Separation of duties and the plan's year (issue 16) --------------------------------------------


@pytest.fixture
def school_drafter(org):
    user = UserFactory(username="drafter")
    MemberFactory(name="起草人", org_unit=org.school, user=user)
    RoleGrantFactory(user=user, org_unit=org.school, role=Role.COMMITTEE)
    return user


def test_the_chair_does_not_approve_the_plan_he_submitted(chair, org):
    plan = build_plan(org.school)
    services.plan_transition(actor=chair, plan_id=plan.pk, action="submit")
    with pytest.raises(PlanWorkflowError, match="您已办理“提交审议”，“批准”须由另一人办理"):
        services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    assert not AuditEntry.objects.filter(action="plan.approve").exists()


def test_a_single_officer_unit_approves_its_own_plan_once_the_union_above_says_so(chair, org):
    from members.services import unit_single_officer_set

    plan = build_plan(org.branch_b)
    services.plan_transition(actor=chair, plan_id=plan.pk, action="submit")
    with pytest.raises(PermissionDenied):  # the unit's chair cannot waive the rule for himself
        unit_single_officer_set(actor=chair, unit_id=org.school.pk, single_officer=True, reason="只有主席一人")
    unit_single_officer_set(actor=chair, unit_id=org.branch_b.pk, single_officer=True, reason="分工会只有一名干部")
    assert AuditEntry.objects.get(action="members.unit.single_officer").changes["reason"] == "分工会只有一名干部"
    plan = services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    assert plan.status == PlanStatus.APPROVED


def test_a_plan_does_not_start_before_its_year(chair, school_drafter, org):
    from django.utils import timezone

    next_year = timezone.localdate().year + 1
    plan = build_plan(org.school, year=next_year)
    services.plan_transition(actor=school_drafter, plan_id=plan.pk, action="submit")
    services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    with pytest.raises(PlanWorkflowError, match=f"这是 {next_year} 年的计划，{next_year} 年 1 月 1 日起才能开始执行"):
        services.plan_transition(actor=chair, plan_id=plan.pk, action="start")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED


def test_submit_tells_the_approvers_and_approval_tells_the_submitter(
    chair, school_drafter, org, django_capture_on_commit_callbacks
):
    from union_office.notifications import Notification

    plan = build_plan(org.school)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.plan_perform(actor=school_drafter, plan_id=plan.pk, action="submit")
    assert result.message == "计划已提交审议，已通知审批人。"
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("chair", "plans.plan_turn")]
    with django_capture_on_commit_callbacks(execute=True):
        result = services.plan_perform(actor=chair, plan_id=plan.pk, action="approve")
    assert result.message == "计划已批准，已通知提交人。"
    assert Notification.objects.filter(recipient=school_drafter, subject__startswith="工作计划已批准").count() == 1


def test_the_start_button_says_when_the_year_begins(login, chair, school_drafter, org):
    from django.utils import timezone

    plan = build_plan(org.school, year=timezone.localdate().year + 1)
    services.plan_transition(actor=school_drafter, plan_id=plan.pk, action="submit")
    page = login(chair).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert 'data-transition="approve" data-confirm=' in page
    services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    page = login(chair).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert 'data-transition="start" data-blocked' in page
    assert "1 月 1 日起才能开始执行" in page


def test_the_plan_waits_on_the_approvers_todo_list(chair, school_drafter, org):
    from union_office.todo import todo_for

    plan = build_plan(org.school)
    services.plan_transition(actor=school_drafter, plan_id=plan.pk, action="submit")
    assert [(i.title, i.actions) for i in todo_for(chair)] == [(str(plan), ("批准",))]
    assert todo_for(school_drafter) == []  # a drafter does not approve
    own = build_plan(org.school, year=2025, title="主席自己提交的计划")
    services.plan_transition(actor=chair, plan_id=own.pk, action="submit")
    chair = type(chair).objects.get(pk=chair.pk)
    assert [i.title for i in todo_for(chair)] == [str(plan)]  # not the one he submitted himself
