"""Writes to a plan that follow its workflow: transitions, new versions, progress while it runs.

The drafting of a plan's content (sections, items, 活动安排) lives in plans/editing/; this module
owns what happens once a plan leaves the editor. Every function locks the Plan row first, checks the
state against plans/workflow.py, writes, and records an audit entry in the same transaction.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from members import access
from union_office.audit import audit_record, field_changes
from union_office.workflow import Recipients, Result, Transition, Workflow, earlier_actors, perform

from . import reminders, workflow
from .copying import copy_plan_content, relink_activities
from .models import Item, ItemStatus, Plan, PlanStatus


class PlanWorkflowError(ValidationError):
    """A move the plan's state does not allow; the message names the state and the action."""


def _locked(plan_ids: list[int]) -> dict[int, Plan]:
    """Lock plan rows in ascending pk order: two services locking the same pair never deadlock.

    `of=("self",)` keeps PostgreSQL from also locking the joined org unit row.
    """
    plans = (
        Plan.objects.select_for_update(of=("self",)).select_related("org_unit").filter(pk__in=plan_ids).order_by("pk")
    )
    locked = {plan.pk: plan for plan in plans}
    missing = set(plan_ids) - set(locked)
    if missing:
        raise Plan.DoesNotExist(f"no plan {sorted(missing)}")
    return locked


def plan_transition(*, actor: Any, plan_id: int, action: str, note: str = "") -> Plan:
    """Move a plan along plans/workflow.py's TRANSITIONS (through the workflow kernel)."""
    return plan_perform(actor=actor, plan_id=plan_id, action=action, note=note).obj


def plan_perform(*, actor: Any, plan_id: int, action: str, note: str = "") -> Result:
    """Permission first (403 for someone who may read the plan but not do this), then the table:
    a move the current status does not allow, or one its rules refuse, raises PlanWorkflowError.
    Approving a new version archives the version it replaces, in the same transaction."""
    named = [t for t in workflow.TRANSITIONS if t.action == action]
    if not named:
        raise PlanWorkflowError(_("未知的计划操作“%(action)s”。") % {"action": action})
    unit = Plan.objects.select_related("org_unit").get(pk=plan_id).org_unit  # a plan never moves unit
    access.require(actor, named[0].permission, unit)
    result = perform(PLAN, actor=actor, pk=plan_id, action=action, comment=note)
    result.obj.refresh_from_db()
    return result


def _apply(plan: Plan, t: Transition, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    now = timezone.now()
    plan.revision = F("revision") + 1
    changes: dict[str, Any] = {"note": comment} if comment else {}
    if t.target == PlanStatus.REVIEW:
        plan.submitted_at = now
    if t.target == PlanStatus.APPROVED:
        plan.approved_at, plan.approved_by = now, actor
    # Locked after the plan (the new version, a higher pk): archiving the old one is the only other
    # move that locks it, and that move locks nothing else.
    previous = _locked([plan.previous_id])[plan.previous_id] if plan.previous_id else None
    if t.target == PlanStatus.APPROVED and previous and previous.status in workflow.VERSIONABLE_STATUSES:
        old_status = previous.status
        previous.status = PlanStatus.ARCHIVED
        previous.revision = F("revision") + 1
        previous.save(update_fields=["status", "revision", "updated_at"])
        changes["archived_version"] = previous.version
        audit_changes = {"status": [old_status, PlanStatus.ARCHIVED], "replaced_by_version": plan.version}
        _audit(actor, "plan.archive", previous, audit_changes)
        reminders.plan_reminders_sync(previous)  # the replaced version's pending ones are cancelled
    return changes


def _after(plan: Plan, *, actor: Any, transition: Transition, source: str, comment: str) -> None:
    """Once the plan is in its new state: its deadline reminders follow it."""
    if transition.target in workflow.TRACKABLE_STATUSES or transition.target == PlanStatus.ARCHIVED:
        reminders.plan_reminders_sync(plan)


def _submitter(plan: Plan) -> list[Any]:
    ids = earlier_actors(PLAN, plan, ["submit"])
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


PLAN = Workflow(
    name="plan",
    model=Plan,
    transitions=workflow.TRANSITIONS,
    can=lambda user, perm, plan, at: access.can(user, perm, plan.org_unit),
    is_subject=lambda user, plan: False,  # a plan is the unit's, not a person's case
    notice_kind=workflow.YOUR_TURN,
    url=lambda plan: reverse("plans:detail", args=[plan.pk]),
    recipients={
        workflow.TO_APPROVERS: Recipients(_l("审批人"), lambda plan: access.holders(workflow.APPROVE, plan.org_unit)),
        workflow.TO_SUBMITTER: Recipients(_l("提交人"), _submitter),
    },
    apply=_apply,
    record_step=_after,
    state_field="status",
    related=("org_unit",),
    noun=_l("计划"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=PlanWorkflowError,
)


def _audit(actor: Any, action: str, obj: Plan | Item, changes: dict[str, Any]) -> None:
    audit_record(actor=actor, action=action, obj=obj, changes=changes)


def plan_new_version(*, actor: Any, plan_id: int) -> Plan:
    """Start a new version (a draft) from an approved or running plan.

    The header, the tree and the 活动安排 are copied; item statuses and progress notes are kept,
    since the work done so far is still done. Only one newer version may be in the making.
    """
    with transaction.atomic():
        plan = _locked([plan_id])[plan_id]
        access.require(actor, "plans.edit_plan", plan.org_unit)
        if plan.status not in workflow.VERSIONABLE_STATUSES:
            raise PlanWorkflowError(
                _("计划当前状态为“%(status)s”，不能新建版本：只有已批准或执行中的计划可以修订。")
                % {"status": plan.get_status_display()}
            )
        pending = (
            Plan.objects.filter(
                org_unit=plan.org_unit_id,
                year=plan.year,
                version__gt=plan.version,
                status__in=[PlanStatus.DRAFT, PlanStatus.REVIEW],
            )
            .order_by("version")
            .first()
        )
        if pending is not None or Plan.objects.filter(previous=plan).exists():
            pending = pending or Plan.objects.get(previous=plan)
            raise PlanWorkflowError(
                _("已有新版本（第 %(version)s 版，%(status)s），请在该版本上修改。")
                % {"version": pending.version, "status": pending.get_status_display()}
            )
        latest = Plan.objects.filter(org_unit=plan.org_unit_id, year=plan.year).aggregate(v=Max("version"))["v"]
        new = Plan.objects.create(
            org_unit=plan.org_unit,
            year=plan.year,
            version=latest + 1,
            previous=plan,
            title=plan.title,
            guiding_ideas=plan.guiding_ideas,
            status=PlanStatus.DRAFT,
            created_by=actor,
        )
        copy_plan_content(plan, new)
        relink_activities(plan, new)
        _audit(actor, "plan.new_version", new, {"from_version": plan.version, "version": new.version})
    return new


def may_update_progress(user: Any, item: Item, plan: Plan) -> bool:
    """The unit's drafters, or the item's own 责任人 (a member linked to this login)."""
    if access.can(user, "plans.edit_plan", plan.org_unit):
        return True
    owner = item.owner
    return owner is not None and owner.user_id is not None and owner.user_id == getattr(user, "pk", None)


def require_progress_permission(user: Any, item: Item, plan: Plan) -> None:
    if not may_update_progress(user, item, plan):
        raise PermissionDenied(_("只有本单位工会委员或该条目的责任人可以更新进展。"))


def item_progress_update(*, actor: Any, item_id: int, status: str, progress_note: str) -> Item:
    """Record an item's status and progress note while its plan is approved or running."""
    plan_id = Item.objects.filter(pk=item_id).values_list("section__plan_id", flat=True).first()
    if plan_id is None:
        raise Item.DoesNotExist(f"no item {item_id}")
    with transaction.atomic():
        plan = _locked([plan_id])[plan_id]
        item = Item.objects.select_related("owner").select_for_update(of=("self",)).get(pk=item_id)
        require_progress_permission(actor, item, plan)
        if plan.status not in workflow.TRACKABLE_STATUSES:
            raise PlanWorkflowError(
                _("计划当前状态为“%(status)s”，不能更新进展：只有已批准或执行中的计划可以记录进展。")
                % {"status": plan.get_status_display()}
            )
        if status not in ItemStatus.values:
            raise PlanWorkflowError({"status": _("请选择有效的条目状态。")})
        progress_note = progress_note.strip()
        if len(progress_note) > 2000:
            raise PlanWorkflowError({"progress_note": _("进展情况最多 2000 字。")})
        changes = field_changes(item, {"status": status, "progress_note": progress_note})
        item.status, item.progress_note = status, progress_note
        item.save(update_fields=["status", "progress_note", "updated_at"])
        plan.revision = F("revision") + 1
        plan.save(update_fields=["revision", "updated_at"])
        _audit(actor, "plan.item_progress", item, {"plan": plan.pk, **changes})
        if "status" in changes:
            reminders.plan_reminders_sync(plan, item_ids=[item.pk])  # done: no more reminders
    return item
