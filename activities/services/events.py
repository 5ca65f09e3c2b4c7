"""Events and their 比赛项目: create, change, move through the workflow, record results."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from finance.services import bookkeeping_unit
from members import access
from members.models import Member, OrgUnit
from union_office.audit import audit_record, field_changes
from union_office.workflow import Workflow, perform

from .. import workflow
from ..models import Eligibility, Event, EventKind, EventStatus, SubEvent, SubEventEntry
from .common import ActivityError
from .money import default_account, policy_findings
from .reminders import schedule_event_reminders
from .signups import promote_waitlist

# The fields event_update may change (and the audit diff covers).
EDITABLE_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "description",
    "eligibility",
    "capacity",
    "signup_opens_at",
    "signup_closes_at",
    "items_per_person",
    "budget",
    "account",
    "responsible",
)


def _check(values: dict[str, Any], org_unit: OrgUnit, eligible_units: Iterable[OrgUnit]) -> None:
    errors: dict[str, str] = {}
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not (values.get("title") or "").strip():
        errors["title"] = _("请填写活动名称。")
    if starts is None or ends is None:
        errors["starts_at"] = _("请填写活动的开始和结束时间。")
    elif ends < starts:
        errors["ends_at"] = _("结束时间不能早于开始时间。")
    opens, closes = values.get("signup_opens_at"), values.get("signup_closes_at")
    if opens and closes and closes < opens:
        errors["signup_closes_at"] = _("报名截止时间不能早于报名开始时间。")
    if closes and starts and closes > starts:
        errors["signup_closes_at"] = _("报名截止时间不能晚于活动开始时间。")
    if values.get("budget") is not None and Decimal(values["budget"]) < 0:
        errors["budget"] = _("活动预算不能为负数。")
    if values.get("capacity") == 0:
        errors["capacity"] = _("名额至少为 1；不限名额请留空。")
    if values.get("eligibility") == Eligibility.UNITS:
        units = list(eligible_units)
        if not units:
            errors["eligible_units"] = _("参加对象为“指定单位的会员”时，请至少选择一个单位。")
        outside = [u.name for u in units if not u.path.startswith(org_unit.path)]
        if outside:
            errors["eligible_units"] = _("指定单位须是“%(unit)s”或其下属工会：%(names)s 不是。") % {
                "unit": org_unit.name,
                "names": "、".join(outside),
            }
    responsible: Member | None = values.get("responsible")
    if responsible is not None and not responsible.org_unit.path.startswith(bookkeeping_unit(org_unit).path):
        errors["responsible"] = _("负责人须是本工会的会员。")
    if errors:
        raise ActivityError(errors)


def _block_on_policy(event: Event) -> list[str]:
    """Warnings of the unit's rules (e.g. 疗休养 longer than allowed); a blocking rule refuses."""
    findings = policy_findings(event)
    blocks = [f.message for f in findings if f.blocks]
    if blocks:
        raise ActivityError(" ".join(blocks))
    return [f.message for f in findings]


def event_create(
    *,
    actor: Any,
    org_unit: OrgUnit,
    title: str,
    kind: str = EventKind.OTHER,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    description: str = "",
    eligibility: str = Eligibility.ALL,
    eligible_units: Iterable[OrgUnit] = (),
    capacity: int | None = None,
    signup_opens_at: dt.datetime | None = None,
    signup_closes_at: dt.datetime | None = None,
    items_per_person: int | None = None,
    budget: Decimal | str | int = Decimal("0.00"),
    account: Any = None,
    responsible: Member | None = None,
    status: str = EventStatus.PLANNED,
    source_key: str = "",
) -> Event:
    """A new event (计划中 unless told 报名中); `event.policy_warnings` lists the rules it breaks."""
    access.require(actor, workflow.MANAGE, org_unit)
    eligible_units = list(eligible_units)
    values = {
        "title": (title or "").strip(),
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": (place or "").strip(),
        "description": description or "",
        "eligibility": eligibility,
        "capacity": capacity,
        "signup_opens_at": signup_opens_at,
        "signup_closes_at": signup_closes_at,
        "items_per_person": items_per_person,
        "budget": Decimal(budget),
        "responsible": responsible,
    }
    _check(values, org_unit, eligible_units)
    if status not in (EventStatus.PLANNED, EventStatus.OPEN):
        raise ActivityError(_("新活动只能是“计划中”或“报名中”。"))
    if source_key and Event.objects.filter(source_key=source_key).exists():
        raise ActivityError(_("这条活动安排已经建过活动了。"))
    with transaction.atomic():
        event = Event.objects.create(
            org_unit=org_unit,
            organiser=actor if getattr(actor, "is_authenticated", False) else None,
            account=account or default_account(kind),
            status=status,
            source_key=source_key,
            **values,
        )
        if eligibility == Eligibility.UNITS:
            event.eligible_units.set(eligible_units)
        warnings = _block_on_policy(event)
        audit_record(
            actor=actor,
            action="activities.event.create",
            obj=event,
            changes={"title": event.title, "kind": event.kind, "status": event.status, "warnings": warnings},
        )
        schedule_event_reminders(event)
    event.policy_warnings = warnings
    return event


def event_update(*, actor: Any, event_id: int, eligible_units: Iterable[OrgUnit] | None = None, **values: Any) -> Event:
    """Change an event; a larger capacity promotes people from the waitlist at once."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"event_update cannot change {sorted(unknown)}")
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=event_id)
        access.require(actor, workflow.MANAGE, event.org_unit)
        if event.status in (EventStatus.FINISHED, EventStatus.CANCELLED):
            raise ActivityError(_("活动%(status)s，不能再修改。") % {"status": event.get_status_display()})
        merged = {name: getattr(event, name) for name in EDITABLE_FIELDS} | values
        units = list(eligible_units) if eligible_units is not None else list(event.eligible_units.all())
        _check(merged, event.org_unit, units)
        changes = field_changes(event, values)
        for name, value in values.items():
            setattr(event, name, value)
        event.save()
        if eligible_units is not None:
            event.eligible_units.set(units if event.eligibility == Eligibility.UNITS else [])
        warnings = _block_on_policy(event)
        promoted = promote_waitlist(event, actor=actor)
        audit_record(
            actor=actor,
            action="activities.event.update",
            obj=event,
            changes=changes | ({"promoted": [str(s.member) for s in promoted]} if promoted else {}),
        )
        if {"starts_at", "ends_at", "title"} & set(changes):
            schedule_event_reminders(event)
    event.policy_warnings = warnings
    return event


def _event_apply(event: Event, t: Any, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    if t.target == EventStatus.CANCELLED:
        event.cancel_reason = comment
        return {"reason": comment}
    return {}


def _event_after(event: Event, **_step: Any) -> None:
    """Reminders follow the state; a cancellation tells the signed-up members with its reason."""
    schedule_event_reminders(event)


EVENT = Workflow(
    name="activities.event",
    model=Event,
    transitions=workflow.EVENT_TRANSITIONS,
    can=lambda user, perm, event, at: access.can(user, perm, event.org_unit),
    is_subject=lambda user, event: False,  # an event is the unit's
    notice_kind=workflow.YOUR_TURN,
    url=lambda event: reverse("activities:event_detail", args=[event.pk]),
    apply=_event_apply,
    record_step=_event_after,
    state_field="status",
    related=("org_unit",),
    noun=_l("活动"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=ActivityError,
)


def event_transition(*, actor: Any, event_id: int, action: str, reason: str = "") -> Event:
    """One move of the event table (403 for someone who may not manage the unit's events)."""
    if not EVENT.actions() >= {action}:
        raise ActivityError(_("未知的活动操作。"))
    event = Event.objects.select_related("org_unit").get(pk=event_id)
    access.require(actor, workflow.MANAGE, event.org_unit)
    reason = (reason or "").strip()
    if action == "cancel" and not reason:
        raise ActivityError(_("请填写取消活动的原因，报名的会员会看到它。"))
    result = perform(EVENT, actor=actor, pk=event_id, action=action, comment=reason)
    result.obj.done_message = result.message
    return result.obj


def sub_event_add(*, actor: Any, event_id: int, name: str, capacity: int | None = None) -> SubEvent:
    name = (name or "").strip()
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=event_id)
        access.require(actor, workflow.MANAGE, event.org_unit)
        if not name:
            raise ActivityError(_("请填写比赛项目名称。"))
        if capacity == 0:
            raise ActivityError(_("项目名额至少为 1；不限名额请留空。"))
        if event.items.filter(name=name).exists():
            raise ActivityError(_("已有名为“%(name)s”的比赛项目。") % {"name": name})
        item = SubEvent.objects.create(event=event, name=name, capacity=capacity, order=event.items.count() + 1)
        audit_record(actor=actor, action="activities.item.add", obj=event, changes={"item": name})
    return item


def result_record(*, actor: Any, entry_id: int, result: str = "", rank: int | None = None) -> SubEventEntry:
    """The result (成绩) and rank (名次) of one entry of a 比赛项目; ties share a rank."""
    with transaction.atomic():
        entry = (
            SubEventEntry.objects.select_for_update()
            .select_related("sub_event__event__org_unit", "signup__member")
            .get(pk=entry_id)
        )
        event = entry.sub_event.event
        access.require(actor, workflow.MANAGE, event.org_unit)
        if event.status == EventStatus.CANCELLED:
            raise ActivityError(_("活动已取消，不能登记成绩。"))
        if event.starts_at > timezone.now():
            raise ActivityError(_("比赛还没有开始，不能登记成绩。"))
        if rank is not None and rank < 1:
            raise ActivityError(_("名次从 1 开始。"))
        changes = field_changes(entry, {"result": (result or "").strip(), "rank": rank})
        entry.result, entry.rank = (result or "").strip(), rank
        entry.save(update_fields=["result", "rank"])
        audit_record(
            actor=actor,
            action="activities.result.record",
            obj=event,
            changes={"item": entry.sub_event.name, "member": str(entry.signup.member), **changes},
        )
    return entry
