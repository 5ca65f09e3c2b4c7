"""Recurring schedules (每周五 14:00–17:00 全员健身) and their exceptions (国庆放假停一次)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from members import access
from members.models import Member, OrgUnit
from union_office.audit import audit_record

from .. import workflow
from ..models import (
    Audience,
    AudienceReminders,
    Eligibility,
    EventKind,
    InterestGroup,
    Recurrence,
    Schedule,
    ScheduleException,
    WeekOfMonth,
)
from ..occurrences import materialise, occurrence_skip, occurrence_unskip
from ..recurrence import describe, rule_dates
from .common import ActivityError

# The rules that name a weekday (the others name a day of the month).
WEEKDAY_RULES = (Recurrence.WEEKLY, Recurrence.BIWEEKLY, Recurrence.NTH_WEEKDAY)


def _check(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not (values.get("title") or "").strip():
        errors["title"] = _("请填写活动名称。")
    recurrence = values.get("recurrence")
    if recurrence in WEEKDAY_RULES and values.get("weekday") not in range(7):
        errors["weekday"] = _("按星期重复的活动请选择星期几。")
    if recurrence == Recurrence.NTH_WEEKDAY and values.get("week_of_month") not in WeekOfMonth.values:
        errors["week_of_month"] = _("请选择每月的第几个（第一至第四个或最后一个）。")
    if recurrence in (Recurrence.MONTHLY, Recurrence.QUARTERLY) and values.get("day") not in range(1, 32):
        errors["day"] = _("请填写每月的第几日（1–31）。")
    if recurrence == Recurrence.QUARTERLY and values.get("month_of_quarter") not in (1, 2, 3):
        errors["month_of_quarter"] = _("请选择每季度的第几个月（1–3）。")
    if recurrence not in Recurrence.values:
        errors["recurrence"] = _("请选择重复方式。")
    start, end = values.get("start_time"), values.get("end_time")
    if start is None or end is None or end <= start:
        errors["end_time"] = _("结束时刻须晚于开始时刻。")
    if values.get("ends_on") and values.get("starts_on") and values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = _("结束日期不能早于起始日期。")
    if errors:
        raise ActivityError(errors)


def _check_audience(org_unit: OrgUnit, values: dict[str, Any], members: list[Member]) -> None:
    audience, errors = values["audience"], {}
    if audience not in Audience.values:
        errors["audience"] = _("请选择参加范围。")
    unit = values.get("audience_unit")
    if audience == Audience.UNIT and (unit is None or not unit.path.startswith(org_unit.path)):
        errors["audience_unit"] = _("请选择主办工会下属的分工会或小组。")
    group = values.get("audience_group")
    if audience == Audience.GROUP and (group is None or not group.org_unit.path.startswith(org_unit.path)):
        errors["audience_group"] = _("请选择主办工会的兴趣小组。")
    if audience == Audience.MEMBERS and not members:
        errors["audience_members"] = _("请至少指定一名会员。")
    if values["eligibility"] not in (Eligibility.ALL, Eligibility.WOMEN, Eligibility.RETIREES):
        errors["eligibility"] = _("参加对象只能是全体在职会员、女职工或退休职工。")
    if values["audience_reminders"] not in AudienceReminders.values:
        errors["audience_reminders"] = _("请选择提醒方式。")
    if errors:
        raise ActivityError(errors)


def schedule_create(
    *,
    actor: Any,
    org_unit: OrgUnit,
    title: str,
    recurrence: str,
    start_time: dt.time,
    end_time: dt.time,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    weekday: int | None = None,
    day: int | None = None,
    month_of_quarter: int | None = None,
    week_of_month: int | None = None,
    kind: str = EventKind.OTHER,
    place: str = "",
    description: str = "",
    responsible: Member | None = None,
    audience: str = Audience.SUBTREE,
    audience_unit: OrgUnit | None = None,
    audience_group: InterestGroup | None = None,
    audience_members: list[Member] | None = None,
    eligibility: str = Eligibility.ALL,
    audience_reminders: str = AudienceReminders.AUTO,
    capacity: int | None = None,
    source_key: str = "",
) -> Schedule:
    access.require(actor, workflow.MANAGE, org_unit)
    values = {
        "title": (title or "").strip(),
        "recurrence": recurrence,
        "start_time": start_time,
        "end_time": end_time,
        "starts_on": starts_on,
        "ends_on": ends_on,
        # Only the fields of the chosen rule are kept, so the row says exactly one thing.
        "weekday": weekday if recurrence in WEEKDAY_RULES else None,
        "day": day if recurrence not in WEEKDAY_RULES else None,
        "month_of_quarter": month_of_quarter if recurrence == Recurrence.QUARTERLY else None,
        "week_of_month": week_of_month if recurrence == Recurrence.NTH_WEEKDAY else None,
        "kind": kind,
        "place": (place or "").strip(),
        "description": description or "",
        "responsible": responsible,
        "audience": audience,
        "audience_unit": audience_unit if audience == Audience.UNIT else None,
        "audience_group": audience_group if audience == Audience.GROUP else None,
        "eligibility": eligibility,
        "audience_reminders": audience_reminders,
        "capacity": capacity,
        "source_key": source_key,
    }
    _check(values)
    _check_audience(org_unit, values, audience_members or [])
    with transaction.atomic():
        schedule = Schedule.objects.create(org_unit=org_unit, **values)
        if audience == Audience.MEMBERS:
            schedule.audience_members.set(audience_members or [])
        # The first two months exist at once (the beat keeps the horizon rolling from then on).
        materialise(schedule)
        audit_record(
            actor=actor, action="activities.schedule.create", obj=schedule, changes={"rule": describe(schedule)}
        )
    return schedule


def schedule_skip(*, actor: Any, schedule_id: int, date: dt.date, reason: str = "") -> ScheduleException:
    """Cancel one occurrence (节假日停一次); the date must be one the rule gives."""
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=schedule_id)
        access.require(actor, workflow.MANAGE, schedule.org_unit)
        if date not in set(rule_dates(schedule, date, date)):
            raise ActivityError(
                _("%(date)s 不是“%(title)s”（%(rule)s）的活动日。")
                % {"date": date.isoformat(), "title": schedule.title, "rule": describe(schedule)}
            )
        exception, created = ScheduleException.objects.get_or_create(
            schedule=schedule, date=date, defaults={"reason": (reason or "").strip()}
        )
        if not created:
            raise ActivityError(_("%(date)s 的活动已经取消过了。") % {"date": date.isoformat()})
        occurrence_skip(schedule=schedule, date=date, reason=exception.reason)
        audit_record(
            actor=actor,
            action="activities.schedule.skip",
            obj=schedule,
            changes={"date": date.isoformat(), "reason": exception.reason},
        )
    return exception


def schedule_unskip(*, actor: Any, schedule_id: int, date: dt.date) -> None:
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=schedule_id)
        access.require(actor, workflow.MANAGE, schedule.org_unit)
        deleted, _rows = ScheduleException.objects.filter(schedule=schedule, date=date).delete()
        if not deleted:
            raise ActivityError(_("%(date)s 的活动没有取消。") % {"date": date.isoformat()})
        occurrence_unskip(schedule=schedule, date=date)
        audit_record(actor=actor, action="activities.schedule.unskip", obj=schedule, changes={"date": date.isoformat()})
