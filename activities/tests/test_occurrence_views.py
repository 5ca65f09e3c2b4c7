"""The occurrence pages: detail, QR check-in, the 负责人's list, the attendance export, 工作台."""

import datetime as dt
import io

import openpyxl
import pytest
from dateutil import rrule as dateutil_rrule
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.calendar import rrule_of
from activities.models import Attendance, AttendanceStatus, CalendarFeed, Occurrence, Recurrence, Schedule
from activities.recurrence import rule_dates
from activities.services.occurrences import occurrence_move

from .factories import member_of


@pytest.fixture
def running(org, chair):
    """每周五 职工健身 for the whole school, with one occurrence happening now."""
    schedule = services.schedule_create(
        actor=chair,
        org_unit=org.school,
        title="职工健身",
        recurrence=Recurrence.WEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(16),
        starts_on=timezone.localdate(),
        place="学校体育馆",
    )
    start = timezone.now() - dt.timedelta(minutes=10)
    return Occurrence.objects.create(
        schedule=schedule, date=dt.date(2020, 1, 3), starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )


def _check_in_url(occurrence, token=None):
    return reverse("activities:occurrence_check_in", args=[occurrence.pk, token or occurrence.checkin_token])


def test_login_is_needed(client, running):
    response = client.get(reverse("activities:occurrence_detail", args=[running.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_member_checks_in_by_qr_once(login, member, running):
    member_of(member)
    client = login(member)
    page = client.get(_check_in_url(running))
    assert page.status_code == 200 and "签到" in page.text
    done = client.post(_check_in_url(running))
    assert done.status_code == 200 and "已签到" in done.text
    again = client.post(_check_in_url(running))
    assert "已于" in again.text
    assert Attendance.objects.filter(occurrence=running, status=AttendanceStatus.CHECKED_IN).count() == 1


def test_a_wrong_code_is_404_and_outsiders_get_404(login, member, outsider, running):
    assert login(member).get(_check_in_url(running, "guessed")).status_code == 404
    client = login(outsider)
    assert client.get(reverse("activities:occurrence_detail", args=[running.pk])).status_code == 404
    assert client.post(_check_in_url(running)).status_code == 404
    assert not Attendance.objects.exists()


def test_wrong_method_is_405(login, member, running):
    client = login(member)
    assert client.post(reverse("activities:occurrence_detail", args=[running.pk])).status_code == 405
    assert client.get(reverse("activities:occurrence_tick", args=[running.pk])).status_code == 405


def test_the_chair_sees_the_qr_and_the_list_and_ticks_a_member(login, chair, member, running):
    client = login(chair)
    page = client.get(reverse("activities:occurrence_detail", args=[running.pk]))
    assert page.status_code == 200 and "<svg" in page.text and 'data-testid="attendance-list"' in page.text
    person = member_of(member)
    client.post(reverse("activities:occurrence_tick", args=[running.pk]), {"member": person.pk})
    assert Attendance.objects.get(occurrence=running, member=person).status == AttendanceStatus.CHECKED_IN


def test_a_plain_member_sees_no_list_and_may_not_tick(login, member, running):
    client = login(member)
    page = client.get(reverse("activities:occurrence_detail", args=[running.pk]))
    assert page.status_code == 200 and "attendance-list" not in page.text and "<svg" not in page.text
    response = client.post(reverse("activities:occurrence_tick", args=[running.pk]), {"member": member_of(member).pk})
    assert response.status_code == 403
    assert client.get(reverse("activities:attendance_export", args=[running.schedule_id])).status_code == 403


def test_the_attendance_export_counts_check_ins(login, chair, member, running):
    client = login(member)
    client.post(_check_in_url(running))
    response = login(chair).get(
        reverse("activities:attendance_export", args=[running.schedule_id]), {"year": running.date.year}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    mine = next(r for r in rows if member_of(member).name in r)
    assert mine[3:6] == [1, 1, 1]  # 出勤率 a fraction, shown as 100.00%
    bad = login(chair).get(reverse("activities:attendance_export", args=[running.schedule_id]), {"year": "x"})
    assert bad.status_code == 302


def test_the_workbench_shows_my_activities_this_week(login, member, running):
    running.starts_at = timezone.now() + dt.timedelta(minutes=5)
    running.ends_at = running.starts_at + dt.timedelta(hours=1)
    running.save()
    page = login(member).get(reverse("dashboard"))
    assert page.status_code == 200
    assert 'data-testid="my-occurrences"' in page.text and "职工健身" in page.text


def test_the_month_view_shows_stored_occurrences_with_their_state(login, chair, member, running):
    schedule = running.schedule
    skipped = Occurrence.objects.filter(schedule=schedule, date__gt=timezone.localdate()).order_by("date").first()
    services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=skipped.date, reason="停电")
    url = reverse("activities:calendar") + f"?year={skipped.date.year}&month={skipped.date.month}"
    page = login(member).get(url).text
    uid = f"schedule-{schedule.pk}-{skipped.date:%Y%m%d}"
    tag = page[page.index(f'data-testid="cal-{uid}"') - 300 : page.index(f'data-testid="cal-{uid}"')]
    assert "uo-cal-cancelled" in tag
    assert reverse("activities:occurrence_detail", args=[skipped.pk]) in tag


def test_the_feed_publishes_a_recurring_activity_as_one_series(client, login, chair, member, running, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    schedule = running.schedule
    running.delete()  # the fixture's made-up occurrence: only the rule's dates here
    ahead = list(Occurrence.objects.filter(schedule=schedule, date__gt=timezone.localdate()).order_by("date"))
    services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=ahead[0].date)
    moved_start = ahead[1].starts_at + dt.timedelta(hours=3)
    occurrence_move(
        actor=chair, occurrence_id=ahead[1].pk, starts_at=moved_start, ends_at=moved_start + dt.timedelta(hours=1)
    )
    login(member)
    client.post(reverse("activities:feed_renew"))
    token = CalendarFeed.objects.get(user=member).token
    client.logout()
    text = client.get(reverse("activities:ics_feed", args=[token])).text.replace("\r\n ", "")
    uid = f"UID:schedule-{schedule.pk}@"
    assert text.count(uid) == 2  # the series and its one override, not one VEVENT per Friday
    assert "RRULE:FREQ=WEEKLY;BYDAY=FR\r\n" in text
    utc = dt.UTC
    skipped = timezone.make_aware(dt.datetime.combine(ahead[0].date, dt.time(14))).astimezone(utc)
    assert f"EXDATE:{skipped:%Y%m%dT%H%M%SZ}" in text
    rule_start = timezone.make_aware(dt.datetime.combine(ahead[1].date, dt.time(14))).astimezone(utc)
    assert f"RECURRENCE-ID:{rule_start:%Y%m%dT%H%M%SZ}\r\n" in text
    assert f"DTSTART:{moved_start.astimezone(utc):%Y%m%dT%H%M%SZ}\r\n" in text


@pytest.mark.parametrize(
    ("values", "rrule"),
    [
        ({"recurrence": "weekly", "weekday": 0}, "FREQ=WEEKLY;BYDAY=MO"),
        ({"recurrence": "monthly", "day": 15}, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ({"recurrence": "monthly", "day": 30}, "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"),
        ({"recurrence": "quarterly", "month_of_quarter": 1, "day": 9}, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=9"),
        ({"recurrence": "biweekly", "weekday": 4}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ({"recurrence": "nth_weekday", "weekday": 2, "week_of_month": 1}, "FREQ=MONTHLY;BYDAY=1WE"),
        ({"recurrence": "nth_weekday", "weekday": 4, "week_of_month": -1}, "FREQ=MONTHLY;BYDAY=-1FR"),
    ],
)
def test_rrule_of_each_rule(values, rrule):
    schedule = Schedule(start_time=dt.time(14), end_time=dt.time(16), starts_on=dt.date(2026, 1, 1), **values)
    assert rrule_of(schedule) == rrule
    # A calendar client reading the RRULE from the first date gets the dates the app materialises.
    first = next(iter(rule_dates(schedule, schedule.starts_on, dt.date(2027, 12, 31))))
    read = dateutil_rrule.rrulestr(rrule, dtstart=dt.datetime.combine(first, dt.time(14)))
    expanded = [
        moment.date() for moment in read.between(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31, 23, 59), inc=True)
    ]
    assert expanded == list(rule_dates(schedule, dt.date(2026, 1, 1), dt.date(2027, 12, 31)))


def _weekly_at(chair, unit, title):
    return services.schedule_create(
        actor=chair,
        org_unit=unit,
        title=title,
        recurrence=Recurrence.WEEKLY,
        weekday=timezone.localdate().weekday(),
        start_time=dt.time(23, 58),
        end_time=dt.time(23, 59),
        starts_on=timezone.localdate(),
        place="礼堂",
    )


def test_the_month_lists_the_units_own_activities_and_counts_those_below(login, chair, org):
    """A county lists its own activities, and per day how many its unions hold (~3,900 a month
    at county scale were unreadable and slow); choosing a union below lists that union's."""
    _weekly_at(chair, org.school, "全校读书会")
    for n in range(3):
        _weekly_at(chair, org.branch_a, f"高一健身{n}")
    client = login(chair)
    today = timezone.localdate()
    page = client.get(reverse("activities:calendar"))
    assert "全校读书会" in page.text and "高一健身" not in page.text
    assert f'data-testid="cal-below-{today:%Y-%m-%d}">下属单位 3 次' in page.text
    drilled = client.get(reverse("activities:calendar") + f"?unit={org.branch_a.pk}")
    assert "高一健身0" in drilled.text and "cal-below-" not in drilled.text
    # A unit outside the user's scope is not listed: the view falls back to the user's own.
    elsewhere = client.get(reverse("activities:calendar") + f"?unit={org.hospital.pk}")
    assert "全校读书会" in elsewhere.text and "人民医院" not in elsewhere.text


def test_the_month_query_count_does_not_grow_with_the_units_below(login, chair, org, django_assert_num_queries):
    _weekly_at(chair, org.branch_a, "高一健身")
    client = login(chair)
    client.get(reverse("activities:calendar"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("activities:calendar"))
    for n in range(10):
        _weekly_at(chair, org.branch_b, f"高二健身{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("activities:calendar"))
