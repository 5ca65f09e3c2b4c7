"""兴趣小组: a leader, members who join and leave, and a yearly plan and budget the committee decides."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from finance.money import to_decimal
from members import access
from members.models import Member, MemberStatus, OrgUnit
from union_office.audit import audit_record, field_changes
from union_office.workflow import Recipients, Workflow, perform

from .. import workflow
from ..models import GroupMembership, GroupPlan, InterestGroup
from .common import ActivityError, own_member


def _amount(value: Any, label: str) -> Decimal:
    try:
        amount = to_decimal(value)
    except (ValueError, TypeError):
        raise ActivityError(_("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": value}) from None
    if amount < 0:
        raise ActivityError(_("%(label)s不能为负数。") % {"label": label})
    return amount


def group_create(*, actor: Any, org_unit: OrgUnit, name: str, leader: Member, description: str = "") -> InterestGroup:
    access.require(actor, workflow.MANAGE, org_unit)
    name = (name or "").strip()
    if not name:
        raise ActivityError(_("请填写小组名称。"))
    if not leader.org_unit.path.startswith(org_unit.path) or leader.status != MemberStatus.ACTIVE:
        raise ActivityError(_("组长须是“%(unit)s”的在册会员。") % {"unit": org_unit.name})
    try:
        with transaction.atomic():
            group = InterestGroup.objects.create(org_unit=org_unit, name=name, leader=leader, description=description)
            GroupMembership.objects.create(group=group, member=leader, joined_on=timezone.localdate())
            audit_record(actor=actor, action="activities.group.create", obj=group, changes={"leader": leader.name})
    except IntegrityError:
        raise ActivityError(
            _("“%(unit)s”已有名为“%(name)s”的兴趣小组。") % {"unit": org_unit.name, "name": name}
        ) from None
    return group


def group_join(*, actor: Any, group_id: int) -> GroupMembership:
    member = own_member(actor)
    with transaction.atomic():
        group = InterestGroup.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=group_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            raise ActivityError(_("您的账号没有关联在册会员，不能加入兴趣小组。"))
        if not member.org_unit.path.startswith(group.org_unit.path):
            raise ActivityError(_("该小组只接收“%(unit)s”的会员。") % {"unit": group.org_unit.name})
        if GroupMembership.objects.filter(group=group, member=member).exists():
            raise ActivityError(_("您已是“%(group)s”的组员。") % {"group": group.name})
        membership = GroupMembership.objects.create(group=group, member=member, joined_on=timezone.localdate())
        audit_record(actor=actor, action="activities.group.join", obj=group, changes={"member": member.name})
    return membership


def group_leave(*, actor: Any, group_id: int) -> None:
    member = own_member(actor)
    with transaction.atomic():
        group = InterestGroup.objects.select_for_update().get(pk=group_id)
        if member is not None and group.leader_id == member.pk:
            raise ActivityError(_("组长不能退出小组；请先请工会更换组长。"))
        deleted, _rows = GroupMembership.objects.filter(group=group, member=member).delete()
        if not deleted:
            raise ActivityError(_("您不是该小组的组员。"))
        audit_record(actor=actor, action="activities.group.leave", obj=group, changes={"member": member.name})


def _may_write_plan(actor: Any, group: InterestGroup) -> bool:
    own = own_member(actor)
    return (own is not None and own.pk == group.leader_id) or access.can(actor, workflow.MANAGE, group.org_unit)


def group_plan_save(
    *, actor: Any, group_id: int, year: int, content: str, budget_requested: Decimal | str | int
) -> GroupPlan:
    """The leader writes (or rewrites, before it is submitted) the group's plan for a year."""
    content = (content or "").strip()
    budget = _amount(budget_requested, _("申请经费"))
    with transaction.atomic():
        group = InterestGroup.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=group_id)
        if not _may_write_plan(actor, group):
            access.require(actor, workflow.MANAGE, group.org_unit)
        if not content:
            raise ActivityError(_("请填写年度活动计划：每月（或每季度）做什么、多少人参加。"))
        plan = GroupPlan.objects.select_for_update().filter(group=group, year=year).first()
        if plan is None:
            plan = GroupPlan.objects.create(group=group, year=year, content=content, budget_requested=budget)
            audit_record(
                actor=actor, action="activities.group_plan.create", obj=plan, changes={"budget_requested": str(budget)}
            )
            return plan
        if plan.status not in workflow.GROUP_PLAN_EDITABLE:
            raise ActivityError(_("计划%(status)s，不能再修改。") % {"status": plan.get_status_display()})
        changes = field_changes(plan, {"content": content, "budget_requested": budget})
        plan.content, plan.budget_requested = content, budget
        plan.save(update_fields=["content", "budget_requested", "updated_at"])
        audit_record(actor=actor, action="activities.group_plan.update", obj=plan, changes=changes)
    return plan


def _is_leader(user: Any, plan: GroupPlan) -> bool:
    own = own_member(user)
    return own is not None and own.pk == plan.group.leader_id


def _plan_apply(plan: GroupPlan, t: Any, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    now = timezone.now()
    changes: dict[str, Any] = {"note": comment} if comment else {}
    if t.action == "submit":
        plan.submitted_at = now
        return changes
    if t.action == "approve":
        asked = fields.get("budget_approved")
        # Not above the request: the table's guard has checked it.
        amount = plan.budget_requested if asked in (None, "") else _amount(asked, _("批准经费"))
        plan.budget_approved = amount
        changes["budget_approved"] = str(amount)
    plan.decided_at, plan.decided_by, plan.decision_note = now, actor, comment
    return changes


def _leader(plan: GroupPlan) -> list[Any]:
    user = plan.group.leader.user
    return [user] if user is not None else []


GROUP_PLAN = Workflow(
    name="activities.group_plan",
    model=GroupPlan,
    transitions=workflow.GROUP_PLAN_TRANSITIONS,
    can=lambda user, perm, plan, at: access.can(user, perm, plan.group.org_unit),
    # The group's leader: submits it, and does not decide on it.
    is_subject=_is_leader,
    notice_kind=workflow.YOUR_TURN,
    url=lambda plan: reverse("activities:group_detail", args=[plan.group_id]),
    recipients={
        workflow.TO_APPROVERS: Recipients(
            _l("审批人"), lambda plan: access.holders(workflow.APPROVE_GROUPS, plan.group.org_unit)
        ),
        workflow.TO_LEADER: Recipients(_l("组长"), _leader),
    },
    apply=_plan_apply,
    state_field="status",
    related=("group__org_unit", "group__leader__user"),
    noun=_l("小组计划"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=ActivityError,
)


def group_plan_transition(
    *, actor: Any, plan_id: int, action: str, budget_approved: Decimal | str | int | None = None, note: str = ""
) -> GroupPlan:
    """submit (the leader), approve with an amount ≤ the request, or return with a reason (the committee)."""
    note = (note or "").strip()
    plan = GroupPlan.objects.select_related("group__org_unit").get(pk=plan_id)
    named = [t for t in workflow.GROUP_PLAN_TRANSITIONS if t.action == action]
    if not named:
        raise ActivityError(_("未知的计划操作。"))
    if action == "submit":
        if not _may_write_plan(actor, plan.group):
            access.require(actor, workflow.MANAGE, plan.group.org_unit)
    else:
        access.require(actor, named[0].permission, plan.group.org_unit)
    if action == "return" and not note:
        raise ActivityError(_("请写明退回的原因，组长据此修改。"))
    fields = {"budget_approved": budget_approved} if action == "approve" else {}
    result = perform(GROUP_PLAN, actor=actor, pk=plan_id, action=action, comment=note, **fields)
    result.obj.done_message = result.message
    return result.obj
