"""Each rule's expansion, by hand-checked dates; exceptions; nothing stored per occurrence."""

import datetime as dt

import pytest

from activities import services
from activities.models import Recurrence, Schedule, ScheduleException
from activities.recurrence import describe, occurrences
from activities.services import ActivityError

D = dt.date


def _schedule(**values):
    defaults = {
        "title": "全员健身",
        "start_time": dt.time(14),
        "end_time": dt.time(17),
        "starts_on": D(2026, 1, 1),
    }
    return Schedule(**(defaults | values))


def _dates(schedule, start, end, cancelled=()):
    return [o.date for o in occurrences(schedule, start, end, cancelled)]


def test_weekly_every_friday():
    friday = _schedule(recurrence=Recurrence.WEEKLY, weekday=4)
    assert _dates(friday, D(2026, 5, 1), D(2026, 5, 31)) == [
        D(2026, 5, 1),
        D(2026, 5, 8),
        D(2026, 5, 15),
        D(2026, 5, 22),
        D(2026, 5, 29),
    ]
    assert describe(friday) == "每周五 14:00–17:00"
    first = occurrences(friday, D(2026, 5, 1), D(2026, 5, 1), [])[0]
    assert (first.starts_at.hour, first.ends_at.hour) == (14, 17)


def test_weekly_respects_the_schedules_own_start_and_end():
    friday = _schedule(recurrence=Recurrence.WEEKLY, weekday=4, starts_on=D(2026, 5, 10), ends_on=D(2026, 5, 25))
    assert _dates(friday, D(2026, 5, 1), D(2026, 5, 31)) == [D(2026, 5, 15), D(2026, 5, 22)]


def test_monthly_on_the_fifteenth_and_the_31st_falls_on_the_last_day():
    fifteenth = _schedule(recurrence=Recurrence.MONTHLY, day=15)
    assert _dates(fifteenth, D(2026, 1, 1), D(2026, 3, 31)) == [D(2026, 1, 15), D(2026, 2, 15), D(2026, 3, 15)]
    month_end = _schedule(recurrence=Recurrence.MONTHLY, day=31)
    assert _dates(month_end, D(2026, 1, 1), D(2026, 4, 30)) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
    ]
    assert describe(fifteenth) == "每月15日 14:00–17:00"


def test_quarterly_the_ninth_of_the_first_month_of_each_quarter():
    rule = _schedule(recurrence=Recurrence.QUARTERLY, month_of_quarter=1, day=9)
    assert _dates(rule, D(2026, 1, 1), D(2026, 12, 31)) == [D(2026, 1, 9), D(2026, 4, 9), D(2026, 7, 9), D(2026, 10, 9)]
    assert describe(rule) == "每季度第一个月9日 14:00–17:00"
    third_month = _schedule(recurrence=Recurrence.QUARTERLY, month_of_quarter=3, day=30)
    assert _dates(third_month, D(2026, 1, 1), D(2026, 12, 31)) == [
        D(2026, 3, 30),
        D(2026, 6, 30),
        D(2026, 9, 30),
        D(2026, 12, 30),
    ]


def test_a_range_across_the_year_end():
    rule = _schedule(recurrence=Recurrence.QUARTERLY, month_of_quarter=1, day=9, starts_on=D(2025, 1, 1))
    assert _dates(rule, D(2025, 11, 1), D(2026, 2, 1)) == [D(2026, 1, 9)]


def test_every_other_week_across_the_year_end_keeps_its_fortnight():
    # From Friday 5 December 2025: 5, 19 Dec, 2, 16, 30 Jan; a window that starts on an "off"
    # week (20 Dec) must not shift the series onto the other Fridays.
    fortnight = _schedule(recurrence=Recurrence.BIWEEKLY, weekday=4, starts_on=D(2025, 12, 5))
    assert _dates(fortnight, D(2025, 12, 20), D(2026, 1, 31)) == [D(2026, 1, 2), D(2026, 1, 16), D(2026, 1, 30)]
    assert _dates(fortnight, D(2025, 12, 1), D(2025, 12, 31)) == [D(2025, 12, 5), D(2025, 12, 19)]
    assert describe(fortnight) == "每两周周五 14:00–17:00"
    # Started on a Wednesday, the first Friday is the same week's.
    midweek = _schedule(recurrence=Recurrence.BIWEEKLY, weekday=4, starts_on=D(2026, 5, 6))
    assert _dates(midweek, D(2026, 5, 1), D(2026, 5, 31)) == [D(2026, 5, 8), D(2026, 5, 22)]


def test_the_first_wednesday_and_the_last_friday_across_the_year_end():
    first_wednesday = _schedule(recurrence=Recurrence.NTH_WEEKDAY, weekday=2, week_of_month=1, starts_on=D(2025, 1, 1))
    assert _dates(first_wednesday, D(2025, 12, 1), D(2026, 2, 28)) == [D(2025, 12, 3), D(2026, 1, 7), D(2026, 2, 4)]
    assert describe(first_wednesday) == "每月第一个周三 14:00–17:00"
    last_friday = _schedule(recurrence=Recurrence.NTH_WEEKDAY, weekday=4, week_of_month=-1, starts_on=D(2025, 1, 1))
    assert _dates(last_friday, D(2025, 12, 1), D(2026, 2, 28)) == [D(2025, 12, 26), D(2026, 1, 30), D(2026, 2, 27)]
    assert describe(last_friday) == "每月最后一个周五 14:00–17:00"
    # The rule's own end still applies.
    ended = _schedule(
        recurrence=Recurrence.NTH_WEEKDAY, weekday=2, week_of_month=1, starts_on=D(2025, 1, 1), ends_on=D(2026, 1, 6)
    )
    assert _dates(ended, D(2025, 12, 1), D(2026, 2, 28)) == [D(2025, 12, 3)]


def test_a_fortnightly_activity_is_stored_with_its_weekday_only(chair, org):
    schedule = services.schedule_create(
        actor=chair,
        org_unit=org.school,
        title="读书会",
        recurrence=Recurrence.BIWEEKLY,
        weekday=2,
        day=15,
        week_of_month=1,
        start_time=dt.time(14),
        end_time=dt.time(17),
        starts_on=D(2026, 1, 7),
    )
    schedule.refresh_from_db()
    assert (schedule.weekday, schedule.day, schedule.week_of_month) == (2, None, None)
    assert len(occurrences(schedule, D(2026, 1, 1), D(2026, 12, 31))) == 26


def test_exceptions_drop_single_dates():
    friday = _schedule(recurrence=Recurrence.WEEKLY, weekday=4)
    assert _dates(friday, D(2026, 10, 1), D(2026, 10, 16), [D(2026, 10, 2)]) == [D(2026, 10, 9), D(2026, 10, 16)]


def test_ten_years_are_computed_not_stored(chair, org):
    schedule = services.schedule_create(
        actor=chair,
        org_unit=org.school,
        title="全员健身",
        recurrence=Recurrence.WEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
        starts_on=D(2026, 1, 1),
    )
    assert len(occurrences(schedule, D(2026, 1, 1), D(2035, 12, 31))) == 522
    assert Schedule.objects.count() == 1 and ScheduleException.objects.count() == 0


def test_skipping_a_holiday_and_restoring_it(chair, org):
    schedule = services.schedule_create(
        actor=chair,
        org_unit=org.school,
        title="全员健身",
        recurrence=Recurrence.WEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
        starts_on=D(2026, 1, 1),
    )
    services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=D(2026, 10, 2), reason="国庆放假")
    assert D(2026, 10, 2) not in _dates(schedule, D(2026, 10, 1), D(2026, 10, 31), None)
    with pytest.raises(ActivityError, match="不是“全员健身”（每周五 14:00–17:00）的活动日"):
        services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=D(2026, 10, 3))
    with pytest.raises(ActivityError, match="已经取消过了"):
        services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=D(2026, 10, 2))
    services.schedule_unskip(actor=chair, schedule_id=schedule.pk, date=D(2026, 10, 2))
    assert D(2026, 10, 2) in _dates(schedule, D(2026, 10, 1), D(2026, 10, 31), None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"recurrence": Recurrence.WEEKLY}, "weekday"),
        ({"recurrence": Recurrence.MONTHLY, "day": 0}, "day"),
        ({"recurrence": Recurrence.QUARTERLY, "day": 9}, "month_of_quarter"),
        ({"recurrence": Recurrence.BIWEEKLY}, "weekday"),
        ({"recurrence": Recurrence.NTH_WEEKDAY, "weekday": 2}, "week_of_month"),
        ({"recurrence": Recurrence.NTH_WEEKDAY, "weekday": 2, "week_of_month": 5}, "week_of_month"),
        ({"recurrence": Recurrence.WEEKLY, "weekday": 4, "end_time": dt.time(13)}, "end_time"),
    ],
)
def test_incomplete_rules_are_refused_with_a_message_per_field(chair, org, values, field):
    base = {"title": "健身", "start_time": dt.time(14), "end_time": dt.time(17), "starts_on": D(2026, 1, 1)}
    with pytest.raises(ActivityError) as refused:
        services.schedule_create(actor=chair, org_unit=org.school, **(base | values))
    assert field in refused.value.error_dict
    assert not Schedule.objects.exists()
