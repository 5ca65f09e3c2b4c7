"""The 活动安排 ↔ event link (issue 6, item 6): one click on an entry of an approved plan creates the
event, prefilled, through activities' own service; the event carries `source_key` =
"plans.scheduleentry:<pk>", which is how each side finds the other (activities never imports plans:
the event page names its source through `activities.sources.register_source_label`).
"""

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Eligibility, Event, EventKind, Recurrence, Schedule
from activities.sources import SourceLink
from members import access

from . import workflow
from .copying import ENTRY_SOURCE, ITEM_SOURCE
from .deadlines import parse_deadline
from .models import Item, ItemStatus, Plan, ScheduleEntry
from .services import PlanWorkflowError, _locked

SOURCE_PREFIX = ENTRY_SOURCE
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
    """The first day of the entry's months, or tomorrow when that is already past but the months
    are not. All its months past: refused, rather than an event dated in the past."""
    first = dt.date(plan.year, entry.month_start, 1)
    last_month = entry.month_end or entry.month_start
    last = dt.date(plan.year, last_month, calendar.monthrange(plan.year, last_month)[1])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    if last < tomorrow:
        raise PlanWorkflowError(
            _(
                "活动安排“%(month)s”的月份已经过去（%(year)s年%(last)s月底），不能再创建活动；如需补办，请在活动页面直接新建。"
            )
            % {"month": entry.month_text, "year": plan.year, "last": last_month}
        )
    return tomorrow if first < tomorrow <= last else first


def month_refusal(entry: ScheduleEntry) -> str:
    """Why a 活动安排 line offers no 创建活动: its month cannot be read, said in the row."""
    if entry.month_start is not None:
        return ""
    return _("“%(month)s”不是可识别的月份（如“3月”“七、八月份”“元月”），无法确定活动日期。") % {
        "month": entry.month_text
    }


def schedule_sort_key(entry: ScheduleEntry) -> tuple[bool, int, int, int, int]:
    """活动安排 in time order (元月 before 10月); lines without a readable month keep their place
    among themselves, after the dated ones."""
    return (
        entry.month_start is None,
        entry.month_start or 0,
        entry.month_end or entry.month_start or 0,
        entry.position,
        entry.pk,
    )


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


# --- 创建周期活动: a plan item or 活动安排 line with a recurring 时限 (issue 15) -------------------

# The times a recurring activity made from a plan gets until the organiser sets the real ones.
DAY_PARTS = {"上午": (dt.time(9), dt.time(11)), "下午": (dt.time(15), dt.time(17)), "晚上": (dt.time(19), dt.time(21))}
DEFAULT_PART = "下午"
_WEEKLY = re.compile(r"每周([一二三四五六日])(上午|下午|晚上)?")
_MONTHLY_DAY = re.compile(r"每月(\d{1,2})日")
_NTH_WEEKDAY = re.compile(r"每月(第一|第二|第三|第四|最后一)个周([一二三四五六日])")
_FORTNIGHTLY = re.compile(r"两周一次(?:（周([一二三四五六日])）)?")
_NTH = {"第一": 1, "第二": 2, "第三": 3, "第四": 4, "最后一": -1}


def schedule_rule(text: str, year: int) -> dict[str, Any] | None:
    """The Schedule rule a recurring 时限 names (每周五下午 → weekly, Friday, 15:00–17:00), or None
    when it names no day the calendar can hold (每月, 每学期: see docs/activities.md). 两周一次 without
    a weekday has weekday None: the activity then falls on its start date's weekday."""
    deadline = parse_deadline(text, year)
    if not deadline.recurring:
        return None
    normalized = deadline.normalized
    rule: dict[str, Any]
    if match := _WEEKLY.fullmatch(normalized):
        rule = {"recurrence": Recurrence.WEEKLY, "weekday": "一二三四五六日".index(match[1])}
        part = match[2] or DEFAULT_PART
    elif match := _NTH_WEEKDAY.fullmatch(normalized):
        weekday, nth = "一二三四五六日".index(match[2]), _NTH[match[1]]
        rule, part = {"recurrence": Recurrence.NTH_WEEKDAY, "weekday": weekday, "week_of_month": nth}, DEFAULT_PART
    elif match := _FORTNIGHTLY.fullmatch(normalized):
        weekday = "一二三四五六日".index(match[1]) if match[1] else None
        rule, part = {"recurrence": Recurrence.BIWEEKLY, "weekday": weekday}, DEFAULT_PART
    elif match := _MONTHLY_DAY.fullmatch(normalized):
        rule, part = {"recurrence": Recurrence.MONTHLY, "day": int(match[1])}, DEFAULT_PART
    elif normalized == "每月月底":
        rule, part = {"recurrence": Recurrence.MONTHLY, "day": 31}, DEFAULT_PART
    elif normalized == "每季度末":
        rule, part = {"recurrence": Recurrence.QUARTERLY, "month_of_quarter": 3, "day": 31}, DEFAULT_PART
    elif normalized == "每季度第一个月":
        rule, part = {"recurrence": Recurrence.QUARTERLY, "month_of_quarter": 1, "day": 1}, DEFAULT_PART
    else:
        return None
    start, end = DAY_PARTS[part]
    return rule | {"start_time": start, "end_time": end}


def linked_schedules(keys: Iterable[str]) -> dict[str, Schedule]:
    """The recurring activities made from these source keys: one query."""
    keys = list(keys)
    if not keys:
        return {}
    return {s.source_key: s for s in Schedule.objects.filter(source_key__in=keys).only("pk", "title", "source_key")}


def recurring_activity_create(*, actor: Any, plan_id: int, entry_id: int | None = None, item_id: int | None = None):
    """创建周期活动 from a 活动安排 line or a plan item whose 时限 recurs: (schedule, created).

    Linked both ways by the schedule's source key; a second click gets the first one's activity.
    It runs from today (or the plan year's 1 January) to the end of the plan's year.
    """
    with transaction.atomic():
        plan = _locked([plan_id])[plan_id]
        access.require(actor, MANAGE_EVENTS, plan.org_unit)
        if entry_id is not None:
            entry = ScheduleEntry.objects.get(pk=entry_id, plan=plan)
            key, text, title = source_key(entry.pk), entry.month_text, _title(entry.activity)
            responsible = _responsible(plan, entry)
        else:
            item = Item.objects.select_related("owner").get(pk=item_id, section__plan=plan)
            key, text, title = f"{ITEM_SOURCE}:{item.pk}", item.deadline_text, _title(item.content)
            responsible = item.owner if item.owner and item.owner.user_id else None
        existing = Schedule.objects.filter(source_key=key).first()
        if existing is not None:
            return existing, False
        if plan.status not in workflow.TRACKABLE_STATUSES:
            raise PlanWorkflowError(
                _("计划当前状态为“%(status)s”：只有已批准或执行中的计划可以创建活动。")
                % {"status": plan.get_status_display()}
            )
        rule = schedule_rule(text, plan.year)
        if rule is None:
            raise PlanWorkflowError(
                _("时限“%(text)s”没有写明每周或每月的哪一天（如“每周五下午”“每月15日”），无法创建周期活动。")
                % {"text": text}
            )
        today = timezone.localdate()
        ends_on = dt.date(plan.year, 12, 31)
        if ends_on < today:
            raise PlanWorkflowError(_("%(year)s年已经过去，不能再按该计划创建周期活动。") % {"year": plan.year})
        starts_on = max(today, dt.date(plan.year, 1, 1))
        if rule.get("weekday", 0) is None:  # 两周一次 with no weekday: every other week from the start
            rule["weekday"] = starts_on.weekday()
        schedule = activity_services.schedule_create(
            actor=actor,
            org_unit=plan.org_unit,
            title=title,
            kind=_kind(title),
            starts_on=starts_on,
            ends_on=ends_on,
            description=_("根据《%(plan)s》：%(text)s") % {"plan": plan.title, "text": title},
            responsible=responsible,
            source_key=key,
            **rule,
        )
    return schedule, True


def describe_item_source(user: Any, key: str) -> SourceLink | None:
    """The recurring activity's 来源 line for a plan item, for someone who may read the plan."""
    try:
        item_pk = int(key.partition(":")[2])
    except ValueError:
        return None
    item = (
        Item.objects.select_related("section__plan")
        .filter(pk=item_pk, section__plan__in=access.visible(user, "plans.view_plan", Plan.objects.all()))
        .first()
    )
    if item is None:
        return None
    plan = item.section.plan
    label = _("《%(plan)s》 · %(item)s") % {"plan": plan.title, "item": _title(item.content)[:40]}
    return SourceLink(label, reverse("plans:detail", args=[plan.pk]) + f"#item-{item.pk}")
