"""The 活动安排 ↔ event link (issue 6, item 6): one click on an entry of an approved plan creates the
event, prefilled, through activities' own service; the event carries `source_key` =
"plans.scheduleentry:<pk>", which is how each side finds the other (activities never imports plans:
the event page names its source through `activities.sources.register_source_label`).
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Eligibility, Event, EventKind
from activities.sources import SourceLink
from members import access

from . import workflow
from .models import Item, ItemStatus, Plan, ScheduleEntry
from .services import PlanWorkflowError, _locked

SOURCE_PREFIX = "plans.scheduleentry"
MANAGE_EVENTS = "activities.manage_events"
# The day an event made from a month starts and ends, until the organiser sets the real times.
STARTS, ENDS = dt.time(9, 0), dt.time(17, 0)
# The event kind read from the entry's words (the first that matches); 其他 otherwise.
KIND_WORDS = (
    ("三八", EventKind.WOMENS_DAY),
    ("妇女节", EventKind.WOMENS_DAY),
    ("五一", EventKind.LABOUR_DAY),
    ("劳动节", EventKind.LABOUR_DAY),
    ("运动会", EventKind.SPORTS_DAY),
    ("体检", EventKind.CHECKUP),
    ("疗休养", EventKind.RETREAT),
    ("疗养", EventKind.RETREAT),
    ("春游", EventKind.OUTING),
    ("秋游", EventKind.OUTING),
    ("比赛", EventKind.CONTEST),
    ("读书", EventKind.READING),
    ("慰问", EventKind.VISIT),
    ("送温暖", EventKind.VISIT),
    ("培训", EventKind.TRAINING),
    ("会议", EventKind.MEETING),
    ("大会", EventKind.MEETING),
)


def source_key(entry_pk: int) -> str:
    return f"{SOURCE_PREFIX}:{entry_pk}"


def linked_events(entry_pks: Iterable[int]) -> dict[int, Event]:
    """The events made from these 活动安排 entries, by entry pk: one query."""
    keys = {source_key(pk): pk for pk in entry_pks}
    if not keys:
        return {}
    events = Event.objects.filter(source_key__in=keys).only("pk", "title", "status", "starts_at", "source_key")
    return {keys[event.source_key]: event for event in events}


def may_create_events(user: Any, plan: Plan) -> bool:
    return plan.status in workflow.TRACKABLE_STATUSES and access.can(user, MANAGE_EVENTS, plan.org_unit)


def _kind(text: str) -> str:
    return next((kind for word, kind in KIND_WORDS if word in text), EventKind.OTHER)


def _day(plan: Plan, entry: ScheduleEntry) -> dt.date:
    """The first day of the entry's months, or tomorrow when that is already past but the months are not."""
    first = dt.date(plan.year, entry.month_start, 1)
    last_month = entry.month_end or entry.month_start
    last = dt.date(plan.year, last_month, calendar.monthrange(plan.year, last_month)[1])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return tomorrow if first < tomorrow <= last else first


def _responsible(plan: Plan, entry: ScheduleEntry) -> Any:
    """The 责任人 of the plan item about the same activity ("三八妇女节活动" in both), if linked to a member."""
    text = entry.activity.strip()
    items = Item.objects.filter(section__plan=plan, owner__isnull=False).exclude(status=ItemStatus.CANCELLED)
    for item in items.select_related("owner__org_unit").order_by("pk"):
        content = item.content.strip()
        if content and (text in content or content in text):
            return item.owner
    return None


def _title(activity: str) -> str:
    line = activity.strip().splitlines()[0] if activity.strip() else ""
    return line[:200]


def schedule_event_create(*, actor: Any, entry_id: int) -> tuple[Event, bool]:
    """The event for a 活动安排 entry: (event, created). A second click gets the first click's event.

    The plan row is locked, so two clicks at once are served one after the other and the second
    finds the event; the unique `source_key` is the last guard.
    """
    plan_id = ScheduleEntry.objects.filter(pk=entry_id).values_list("plan_id", flat=True).first()
    if plan_id is None:
        raise ScheduleEntry.DoesNotExist(f"no schedule entry {entry_id}")
    key = source_key(entry_id)
    with transaction.atomic():
        plan = _locked([plan_id])[plan_id]
        access.require(actor, MANAGE_EVENTS, plan.org_unit)
        existing = Event.objects.filter(source_key=key).first()
        if existing is not None:
            return existing, False
        if plan.status not in workflow.TRACKABLE_STATUSES:
            raise PlanWorkflowError(
                _("计划当前状态为“%(status)s”：只有已批准或执行中的计划可以从活动安排创建活动。")
                % {"status": plan.get_status_display()}
            )
        entry = ScheduleEntry.objects.get(pk=entry_id)
        if entry.month_start is None:
            raise PlanWorkflowError(
                _("活动安排“%(month)s”没有可识别的月份，无法确定活动日期；请在活动页面直接新建活动。")
                % {"month": entry.month_text}
            )
        day = _day(plan, entry)
        kind = _kind(entry.activity)
        try:
            with transaction.atomic():
                event = activity_services.event_create(
                    actor=actor,
                    org_unit=plan.org_unit,
                    title=_title(entry.activity),
                    kind=kind,
                    starts_at=timezone.make_aware(dt.datetime.combine(day, STARTS)),
                    ends_at=timezone.make_aware(dt.datetime.combine(day, ENDS)),
                    description=_("根据《%(plan)s》活动安排（%(month)s）：%(activity)s")
                    % {"plan": plan.title, "month": entry.month_text, "activity": entry.activity.strip()},
                    eligibility=Eligibility.WOMEN if kind == EventKind.WOMENS_DAY else Eligibility.ALL,
                    responsible=_responsible(plan, entry),
                    source_key=key,
                )
        except IntegrityError:
            # Only without the plan lock (SQLite under a writer from elsewhere): someone else won.
            return Event.objects.get(source_key=key), False
    return event, True


def describe_source(user: Any, key: str) -> SourceLink | None:
    """The event page's 来源 line: the plan and the entry's month, for someone who may read the plan."""
    try:
        entry_pk = int(key.partition(":")[2])
    except ValueError:
        return None
    entry = (
        ScheduleEntry.objects.select_related("plan__org_unit")
        .filter(pk=entry_pk, plan__in=access.visible(user, "plans.view_plan", Plan.objects.all()))
        .first()
    )
    if entry is None:
        return None
    label = _("《%(plan)s》活动安排 · %(month)s") % {"plan": entry.plan.title, "month": entry.month_text}
    return SourceLink(label, reverse("plans:detail", args=[entry.plan_id]) + f"#schedule-{entry.pk}")
