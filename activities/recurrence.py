"""Occurrences of recurring schedules, computed for the range asked for: nothing is materialised.

Rules: weekly on a weekday (每周五), monthly on a day (每月15日), quarterly on a day of the n-th
month of each quarter (每季度第一个月第九日 = 1月9日, 4月9日, 7月9日, 10月9日). A day past the end of
a shorter month (31 in April) falls on that month's last day: an office that meets "on the 31st"
means "at the end of the month", not "skip April". Exceptions (停止一次) drop single dates.
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dateutil import rrule
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Recurrence, Schedule, WeekOfMonth

WEEKDAY_NAMES = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)
WEEKDAY_SHORT = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)
QUARTER_MONTHS = (gettext_lazy("第一个月"), gettext_lazy("第二个月"), gettext_lazy("第三个月"))


@dataclass(frozen=True)
class Occurrence:
    schedule: Schedule
    date: dt.date

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.schedule.start_time))

    @property
    def ends_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.schedule.end_time))


def _months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _on_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _by_rrule(schedule: Schedule, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """两周一次 and 每月第n个星期几 through dateutil: the series starts on the schedule's start date,
    so an every-other-week rule gives the same dates whichever window is expanded."""
    weekday = rrule.weekday(schedule.weekday)
    if schedule.recurrence == Recurrence.BIWEEKLY:
        rule = rrule.rrule(rrule.WEEKLY, interval=2, byweekday=weekday, dtstart=schedule.starts_on)
    else:
        rule = rrule.rrule(rrule.MONTHLY, byweekday=weekday(schedule.week_of_month), dtstart=schedule.starts_on)
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last, dt.time())
    return (moment.date() for moment in rule.between(start, end, inc=True))


def rule_dates(schedule: Schedule, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The dates the rule gives between start and end (both included), before exceptions."""
    first = max(start, schedule.starts_on)
    last = min(end, schedule.ends_on) if schedule.ends_on else end
    if first > last:
        return
    if schedule.recurrence in (Recurrence.BIWEEKLY, Recurrence.NTH_WEEKDAY):
        yield from _by_rrule(schedule, first, last)
        return
    if schedule.recurrence == Recurrence.WEEKLY:
        day = first + dt.timedelta(days=(schedule.weekday - first.weekday()) % 7)
        while day <= last:
            yield day
            day += dt.timedelta(days=7)
        return
    for year, month in _months(first, last):
        if schedule.recurrence == Recurrence.QUARTERLY and (month - 1) % 3 != schedule.month_of_quarter - 1:
            continue
        day = _on_day(year, month, schedule.day)
        if first <= day <= last:
            yield day


def occurrences(
    schedule: Schedule, start: dt.date, end: dt.date, cancelled: Iterable[dt.date] | None = None
) -> list[Occurrence]:
    """The occurrences between start and end (both included), without the cancelled dates.

    Pass `cancelled` when the exceptions were fetched already (the calendar prefetches them);
    otherwise they are read from the schedule.
    """
    if cancelled is None:
        cancelled = [e.date for e in schedule.exceptions.all()]
    skip = set(cancelled)
    return [Occurrence(schedule, day) for day in rule_dates(schedule, start, end) if day not in skip]


def describe(schedule: Schedule) -> str:
    """The rule in words, in the active language: 每周五 14:00–17:00."""
    times = f"{schedule.start_time:%H:%M}–{schedule.end_time:%H:%M}"
    if schedule.recurrence == Recurrence.WEEKLY:
        return _("每%(weekday)s %(times)s") % {"weekday": WEEKDAY_SHORT[schedule.weekday], "times": times}
    if schedule.recurrence == Recurrence.BIWEEKLY:
        return _("每两周%(weekday)s %(times)s") % {"weekday": WEEKDAY_SHORT[schedule.weekday], "times": times}
    if schedule.recurrence == Recurrence.NTH_WEEKDAY:
        return _("每月%(nth)s%(weekday)s %(times)s") % {
            "nth": WeekOfMonth(schedule.week_of_month).label,
            "weekday": WEEKDAY_SHORT[schedule.weekday],
            "times": times,
        }
    if schedule.recurrence == Recurrence.MONTHLY:
        return _("每月%(day)s日 %(times)s") % {"day": schedule.day, "times": times}
    return _("每季度%(month)s%(day)s日 %(times)s") % {
        "month": QUARTER_MONTHS[schedule.month_of_quarter - 1],
        "day": schedule.day,
        "times": times,
    }
