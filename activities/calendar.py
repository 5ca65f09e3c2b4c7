"""The union calendar: events, occurrences of recurring schedules, and whatever other apps add.

Other apps add their dates through a plain registry (plans adds its 时限 deadlines; activities never
imports plans):

    from activities.calendar import CalendarItem, register_source
    register_source(lambda user, start, end: [CalendarItem(...), ...])   # in AppConfig.ready()

A source gets the user and a date range (both ends included) and returns only what the user may see.
"""

import calendar as pycalendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from members import access
from members.models import OrgUnit

from .models import Event, EventStatus, Occurrence, OccurrenceStatus, Recurrence, Schedule, SignUp, SignUpStatus
from .recurrence import occurrences, rule_dates

VIEW = "activities.view_events"


@dataclass(frozen=True)
class CalendarItem:
    uid: str  # stable across requests (the iCalendar UID)
    title: str
    starts_at: dt.datetime | dt.date  # a date for all-day items (deadlines)
    ends_at: dt.datetime | dt.date | None = None
    url: str = ""
    category: str = "event"  # event | occurrence | deadline | … (the colour on the month view)
    place: str = ""
    description: str = ""
    cancelled: bool = False
    mine: bool = False  # the user is signed up
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_day(self) -> bool:
        return not isinstance(self.starts_at, dt.datetime)

    @property
    def day(self) -> dt.date:
        return timezone.localtime(self.starts_at).date() if not self.all_day else self.starts_at

    @property
    def sort_key(self) -> tuple:
        return (
            self.day,
            self.all_day is False,
            timezone.localtime(self.starts_at).time() if not self.all_day else dt.time(),
        )


Source = Callable[[Any, dt.date, dt.date], Iterable[CalendarItem]]
SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    """Add a source of calendar items (usable as a decorator); registering twice is harmless."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def _aware(day: dt.date, time: dt.time = dt.time.min) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def event_items(user: Any, start: dt.date, end: dt.date) -> list[CalendarItem]:
    events = access.visible(
        user,
        VIEW,
        Event.objects.filter(starts_at__lt=_aware(end + dt.timedelta(days=1)), ends_at__gte=_aware(start)),
    ).select_related("org_unit")
    mine = set(
        SignUp.objects.filter(
            member__user=user, event__in=events, status__in=(SignUpStatus.SIGNED_UP, SignUpStatus.CHECKED_IN)
        ).values_list("event_id", flat=True)
    )
    return [
        CalendarItem(
            uid=f"event-{event.pk}",
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            url=reverse("activities:event_detail", args=[event.pk]),
            category="event",
            place=event.place,
            description=event.org_unit.name,
            cancelled=event.status == EventStatus.CANCELLED,
            mine=event.pk in mine,
            extra={"status": event.get_status_display(), "kind": event.get_kind_display()},
        )
        for event in events
    ]


def _schedules_in(user: Any, start: dt.date, end: dt.date):
    return access.visible(
        user,
        VIEW,
        Schedule.objects.filter(starts_on__lte=end).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start)),
    )


def _below(unit: OrgUnit) -> Q:
    """Schedules of the units strictly below `unit` (its subtree less itself)."""
    return Q(org_unit__path__startswith=unit.path) & ~Q(org_unit=unit)


def occurrence_items(user: Any, start: dt.date, end: dt.date, *, unit: OrgUnit | None = None) -> list[CalendarItem]:
    """The occurrences in the range: the stored rows (with their state and actual time), and past
    the materialised horizon the dates the rule gives (less the skipped ones). With `unit`, the
    activities of the units below it are left out (the month view counts them per day instead)."""
    schedules = _schedules_in(user, start, end)
    if unit is not None:
        schedules = schedules.exclude(_below(unit))
    schedules = list(schedules.prefetch_related("exceptions"))
    stored = Occurrence.objects.filter(schedule__in=[s.pk for s in schedules], date__gte=start, date__lte=end)
    by_pk = {schedule.pk: schedule for schedule in schedules}
    items, seen = [], set()
    for row in stored:
        schedule = by_pk[row.schedule_id]
        seen.add((schedule.pk, row.date))
        items.append(
            CalendarItem(
                uid=f"schedule-{schedule.pk}-{row.date:%Y%m%d}",
                title=schedule.title,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                url=reverse("activities:occurrence_detail", args=[row.pk]),
                category="occurrence",
                place=row.place,
                description=row.note or schedule.description,
                cancelled=row.status == OccurrenceStatus.CANCELLED,
                extra={"status": row.get_status_display()},
            )
        )
    for schedule in schedules:
        for occurrence in occurrences(schedule, start, end):
            if (schedule.pk, occurrence.date) in seen:
                continue
            items.append(
                CalendarItem(
                    uid=f"schedule-{schedule.pk}-{occurrence.date:%Y%m%d}",
                    title=schedule.title,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    url=reverse("activities:schedule_detail", args=[schedule.pk]),
                    category="occurrence",
                    place=schedule.place,
                    description=schedule.description,
                )
            )
    return items


def items_for(user: Any, start: dt.date, end: dt.date, *, unit: OrgUnit | None = None) -> list[CalendarItem]:
    """Everything on the user's calendar between start and end (both included), in time order;
    with `unit`, without the recurring activities of the units below it (see below_counts)."""
    items = event_items(user, start, end) + occurrence_items(user, start, end, unit=unit)
    for source in SOURCES:
        items.extend(source(user, start, end))
    return sorted(items, key=lambda item: item.sort_key)


def calendar_unit(user: Any, requested: int | None) -> OrgUnit | None:
    """The unit whose own activities the month view lists: the one asked for if the user sees
    it, else the top of the user's scope (a county chair: the county). None: list everything (a
    superuser, or a member with no grant, whose calendar is small)."""
    units = access.units(user, VIEW)
    if requested is not None and (unit := units.filter(pk=requested).first()) is not None:
        return unit
    roots = access.scope_paths(user, VIEW)
    return OrgUnit.objects.filter(path=min(roots, key=len)).first() if roots else None


def below_counts(user: Any, unit: OrgUnit, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Per day, how many recurring activities of the units below `unit` take place: one GROUP BY
    over the stored occurrences (the next two months; later months count none)."""
    schedules = _schedules_in(user, start, end).filter(_below(unit))
    rows = (
        Occurrence.objects.filter(
            schedule__in=schedules, date__gte=start, date__lte=end, status=OccurrenceStatus.SCHEDULED
        )
        .values("date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["date"]: row["n"] for row in rows}


@dataclass
class Day:
    date: dt.date
    in_month: bool
    items: list[CalendarItem]
    below: int = 0  # recurring activities of the units below the listed one


def month_grid(
    year: int, month: int, items: Iterable[CalendarItem], below: dict[dt.date, int] | None = None
) -> list[list[Day]]:
    """Weeks (Monday first) of the month with each day's items; days of the neighbour months greyed."""
    by_day: dict[dt.date, list[CalendarItem]] = {}
    for item in items:
        by_day.setdefault(item.day, []).append(item)
    below = below or {}
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[Day(day, day.month == month, by_day.get(day, []), below.get(day, 0)) for day in week] for week in weeks]


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day shown on the month's grid (whole weeks)."""
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


# --- The feed: a recurring activity as one series --------------------------------------------------

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def rrule_of(schedule: Schedule) -> str:
    """The schedule's rule as an RFC 5545 RRULE. A monthly day past 28 falls on the month's last
    day when the month is shorter (recurrence.py), which is BYMONTHDAY=28..d with BYSETPOS=-1."""
    if schedule.recurrence == Recurrence.WEEKLY:
        rule = f"FREQ=WEEKLY;BYDAY={_BYDAY[schedule.weekday]}"
    elif schedule.recurrence == Recurrence.BIWEEKLY:
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_BYDAY[schedule.weekday]}"
    elif schedule.recurrence == Recurrence.NTH_WEEKDAY:
        rule = f"FREQ=MONTHLY;BYDAY={schedule.week_of_month}{_BYDAY[schedule.weekday]}"
    else:
        interval = ";INTERVAL=3" if schedule.recurrence == Recurrence.QUARTERLY else ""
        if schedule.day <= 28:
            day = f"BYMONTHDAY={schedule.day}"
        else:
            day = "BYMONTHDAY=" + ",".join(str(d) for d in range(28, schedule.day + 1)) + ";BYSETPOS=-1"
        rule = f"FREQ=MONTHLY{interval};{day}"
    if schedule.ends_on:
        until = _aware(schedule.ends_on, dt.time(23, 59, 59)).astimezone(dt.UTC)
        rule += f";UNTIL={until:%Y%m%dT%H%M%SZ}"
    return rule


def schedule_series(user: Any) -> list[Any]:
    """Every recurring activity the user may see as one ics.Series: two queries whatever their number."""
    from .ics import Series  # ics imports this module for CalendarItem

    schedules = list(access.visible(user, VIEW, Schedule.objects.all()).prefetch_related("exceptions"))
    rows: dict[int, list[Occurrence]] = {}
    for row in Occurrence.objects.filter(schedule__in=[s.pk for s in schedules]).order_by("date"):
        rows.setdefault(row.schedule_id, []).append(row)
    series = []
    for schedule in schedules:
        first = next(iter(rule_dates(schedule, schedule.starts_on, schedule.starts_on + dt.timedelta(days=400))), None)
        if first is None:
            continue
        one = Series(
            uid=f"schedule-{schedule.pk}",
            title=schedule.title,
            starts_at=_aware(first, schedule.start_time),
            ends_at=_aware(first, schedule.end_time),
            rrule=rrule_of(schedule),
            place=schedule.place,
            description=schedule.description,
            url=reverse("activities:schedule_detail", args=[schedule.pk]),
        )
        cancelled = {e.date for e in schedule.exceptions.all()}
        for row in rows.get(schedule.pk, []):
            rule_start = _aware(row.date, schedule.start_time)
            if row.status == OccurrenceStatus.CANCELLED:
                cancelled.add(row.date)
            elif (row.starts_at, row.ends_at, row.place) != (
                rule_start,
                _aware(row.date, schedule.end_time),
                schedule.place,
            ):
                item = CalendarItem(
                    uid=one.uid,
                    title=schedule.title,
                    starts_at=row.starts_at,
                    ends_at=row.ends_at,
                    url=reverse("activities:occurrence_detail", args=[row.pk]),
                    place=row.place,
                )
                one.overrides.append((rule_start, item))
        one.exdates = [_aware(day, schedule.start_time) for day in sorted(cancelled)]
        series.append(one)
    return series
