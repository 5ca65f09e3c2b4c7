"""兴趣小组: a leader, members who join and leave, and a yearly plan and budget the committee decides."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.money import to_decimal
from members import access
from members.models import Member, MemberStatus, OrgUnit
from union_office.audit import audit_record, field_changes

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


def group_plan_transition(
    *, actor: Any, plan_id: int, action: str, budget_approved: Decimal | str | int | None = None, note: str = ""
) -> GroupPlan:
    """submit (the leader), approve with an amount ≤ the request, or return with a reason (the committee)."""
    note = (note or "").strip()
    with transaction.atomic():
        plan = GroupPlan.objects.select_for_update(of=("self",)).select_related("group__org_unit").get(pk=plan_id)
        move = workflow.find(workflow.GROUP_PLAN_TRANSITIONS, action, plan.status)
        if move is None:
            raise ActivityError(_("计划当前为“%(status)s”，不能执行此操作。") % {"status": plan.get_status_display()})
        if action == "submit":
            if not _may_write_plan(actor, plan.group):
                access.require(actor, move.permission, plan.group.org_unit)
        else:
            access.require(actor, move.permission, plan.group.org_unit)
        before = plan.status
        changes: dict[str, Any] = {}
        now = timezone.now()
        if action == "submit":
            plan.submitted_at = now
        elif action == "approve":
            amount = plan.budget_requested if budget_approved in (None, "") else _amount(budget_approved, _("批准经费"))
            if amount > plan.budget_requested:
                raise ActivityError(
                    _("批准经费 %(amount)s 元不能超过申请的 %(asked)s 元。")
                    % {"amount": amount, "asked": plan.budget_requested}
                )
            plan.budget_approved = amount
            changes["budget_approved"] = str(amount)
        elif action == "return" and not note:
            raise ActivityError(_("请写明退回的原因，组长据此修改。"))
        if action in ("approve", "return"):
            plan.decided_at, plan.decided_by, plan.decision_note = now, actor, note
        plan.status = move.target
        plan.save()
        audit_record(
            actor=actor,
            action=f"activities.group_plan.{action}",
            obj=plan,
            changes={"status": [before, plan.status], **changes, **({"note": note} if note else {})},
        )
    return plan
