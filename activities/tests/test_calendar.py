"""The calendar: what each user sees, other apps' sources, and the iCalendar feed behind a token."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import calendar, ics
from activities.calendar import CalendarItem, items_for, month_grid
from activities.models import CalendarFeed, Recurrence, Schedule, ScheduleException

from .factories import EventFactory

D = dt.date


def _at(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def month(org):
    """May 2026: a school event, a hospital event, a county event, a weekly schedule with a holiday."""
    EventFactory(org_unit=org.school, title="校运动会", starts_at=_at(D(2026, 5, 20)), ends_at=_at(D(2026, 5, 20), 17))
    EventFactory(
        org_unit=org.hospital, title="医院义诊", starts_at=_at(D(2026, 5, 21)), ends_at=_at(D(2026, 5, 21), 12)
    )
    EventFactory(
        org_unit=org.county, title="全县职工合唱比赛", starts_at=_at(D(2026, 5, 28)), ends_at=_at(D(2026, 5, 28), 12)
    )
    fitness = Schedule.objects.create(
        title="全员健身",
        org_unit=org.school,
        recurrence=Recurrence.WEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
        starts_on=D(2026, 1, 1),
    )
    ScheduleException.objects.create(schedule=fitness, date=D(2026, 5, 1), reason="劳动节放假")
    return fitness


def test_a_member_sees_their_unions_events_upwards_but_not_the_hospitals(member, month):
    titles = [(i.day.day, i.title) for i in items_for(member, D(2026, 5, 1), D(2026, 5, 31))]
    assert titles == [
        (8, "全员健身"),
        (15, "全员健身"),
        (20, "校运动会"),
        (22, "全员健身"),
        (28, "全县职工合唱比赛"),
        (29, "全员健身"),
    ]


def test_the_hospital_sees_its_own(outsider, month):
    titles = {i.title for i in items_for(outsider, D(2026, 5, 1), D(2026, 5, 31))}
    assert titles == {"医院义诊", "全县职工合唱比赛"}


def test_other_apps_add_items_through_the_registry(member, month, monkeypatch):
    monkeypatch.setattr(calendar, "SOURCES", [])

    def deadlines(user, start, end):
        return [
            CalendarItem(uid="plan-item-7", title="时限：五一劳动竞赛", starts_at=D(2026, 5, 4), category="deadline")
        ]

    calendar.register_source(deadlines)
    calendar.register_source(deadlines)  # twice is once
    items = items_for(member, D(2026, 5, 1), D(2026, 5, 31))
    assert [i.title for i in items if i.category == "deadline"] == ["时限：五一劳动竞赛"]
    grid = month_grid(2026, 5, items)
    assert grid[0][0].date == D(2026, 4, 27) and not grid[0][0].in_month
    may_4 = next(day for week in grid for day in week if day.date == D(2026, 5, 4))
    assert [i.title for i in may_4.items] == ["时限：五一劳动竞赛"]


def test_month_view_has_the_same_query_count_for_few_and_many_events(
    login, member, org, month, django_assert_max_num_queries
):
    client = login(member)
    url = reverse("activities:calendar") + "?year=2026&month=5"
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for day in range(1, 29):
        EventFactory(
            org_unit=org.school, title=f"活动{day}", starts_at=_at(D(2026, 5, day)), ends_at=_at(D(2026, 5, day), 11)
        )
    with django_assert_max_num_queries(12) as many:
        response = client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "活动28" in response.text


def test_the_feed_needs_no_login_and_a_new_token_revokes_the_old_url(client, login, member, month, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    login(member)
    client.post(reverse("activities:feed_renew"))
    old = CalendarFeed.objects.get(user=member).token
    client.logout()
    response = client.get(reverse("activities:ics_feed", args=[old]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    login(member)
    client.post(reverse("activities:feed_renew"))
    client.logout()
    assert client.get(reverse("activities:ics_feed", args=[old])).status_code == 404
    new = CalendarFeed.objects.get(user=member).token
    assert client.get(reverse("activities:ics_feed", args=[new])).status_code == 200
    login(member)
    client.post(reverse("activities:feed_revoke"))
    client.logout()
    assert client.get(reverse("activities:ics_feed", args=[new])).status_code == 404


def test_ics_escapes_folds_and_uses_utc():
    starts = timezone.make_aware(dt.datetime(2026, 3, 8, 14, 30), timezone=dt.timezone(dt.timedelta(hours=8)))
    item = CalendarItem(
        uid="event-1",
        title="三八节活动; 插花, 茶艺",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="学校会议室",
        description="第一行\n" + "很长的说明" * 20,
        url="/activities/1/",
    )
    text = ics.render([item], name="工会日历", host="union.example.org", base_url="https://union.example.org")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:三八节活动\\; 插花\\, 茶艺\r\n" in text
    assert "DTSTART:20260308T063000Z\r\n" in text and "DTEND:20260308T083000Z\r\n" in text
    assert "UID:event-1@union.example.org\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:第一行\\n" + "很长的说明" * 20 + "\r\n" in unfolded


def test_all_day_items_are_dates():
    text = ics.render([CalendarItem(uid="d", title="时限", starts_at=D(2026, 5, 4))], name="x", host="h", base_url="")
    assert "DTSTART;VALUE=DATE:20260504\r\nDTEND;VALUE=DATE:20260505\r\n" in text
