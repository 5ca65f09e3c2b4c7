"""会员参加活动统计: each member's sign-ups and check-ins across events and recurring activities over
a period, for an organiser's unit subtree only; the page and its .xlsx agree; queries stay flat."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Attendance, Occurrence, Recurrence, Schedule, SignUp
from members.tests.factories import MemberFactory

from .factories import EventFactory

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def _at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(14)))


def _signup(event, member, status, checked=False):
    SignUp.objects.create(
        event=event, member=member, status=status, queued_at=_at(START), checked_in_at=_at(START) if checked else None
    )


def _occurrence(schedule, day):
    return Occurrence.objects.create(
        schedule=schedule, date=day, starts_at=_at(day), ends_at=_at(day) + dt.timedelta(hours=2)
    )


def _attend(occurrence, member, checked):
    Attendance.objects.create(
        occurrence=occurrence,
        member=member,
        status="checked_in" if checked else "signed_up",
        queued_at=_at(START),
        checked_in_at=occurrence.starts_at if checked else None,
    )


@pytest.fixture
def world(org):
    alice = MemberFactory(name="张丽", org_unit=org.branch_a)
    bob = MemberFactory(name="王强", org_unit=org.branch_b)
    nurse = MemberFactory(name="李护士", org_unit=org.ward)
    in_march = [EventFactory(org_unit=org.school, starts_at=_at(dt.date(2026, 3, d))) for d in (5, 12, 19)]
    april = EventFactory(org_unit=org.school, starts_at=_at(dt.date(2026, 4, 2)))
    _signup(in_march[0], alice, "checked_in", checked=True)
    _signup(in_march[1], alice, "signed_up")
    _signup(in_march[2], alice, "cancelled")  # cancelled: not counted
    _signup(in_march[2], bob, "waitlisted")  # holds no place: not counted
    _signup(april, alice, "checked_in", checked=True)  # outside the period
    schedule = Schedule.objects.create(
        title="职工健身",
        org_unit=org.school,
        recurrence=Recurrence.BIWEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(16),
        starts_on=dt.date(2026, 1, 2),
    )
    march_13, march_27 = _occurrence(schedule, dt.date(2026, 3, 13)), _occurrence(schedule, dt.date(2026, 3, 27))
    _attend(march_13, alice, checked=True)
    _attend(march_27, alice, checked=False)
    _attend(march_27, bob, checked=True)
    _attend(_occurrence(schedule, dt.date(2026, 2, 27)), bob, checked=True)  # outside the period
    hospital_event = EventFactory(org_unit=org.hospital, starts_at=_at(dt.date(2026, 3, 5)))
    _signup(hospital_event, nurse, "checked_in", checked=True)
    return org


def _url(unit, **params):
    query = {"unit": unit.pk, "start": START.isoformat(), "end": END.isoformat()} | params
    return reverse("activities:member_attendance") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_chair_sees_each_members_counts_and_exports_them(login, chair, world):
    client = login(chair)
    page = client.get(_url(world.school))
    assert page.status_code == 200
    text = page.text
    assert "张丽" in text and "王强" in text and "李护士" not in text
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world.school, format="xlsx")).content))
    rows = {row[1]: row[3:7] for row in book.active.iter_rows(values_only=True) if row and row[1] in ("张丽", "王强")}
    # 张丽: two event sign-ups holding a place in March (one checked in), two occurrences (one checked in).
    assert rows == {"张丽": (2, 1, 2, 1), "王强": (0, 0, 1, 1)}
    assert not any("李护士" in str(cell) for row in book.active.iter_rows(values_only=True) for cell in row if cell)


def test_a_unit_outside_the_organisers_scope_is_404(login, committee, member, outsider, world):
    client = login(committee)  # 分工会 A's committee: may organise at A, not at the school
    assert client.get(_url(world.branch_a)).status_code == 200
    assert client.get(_url(world.school)).status_code == 404
    assert client.get(_url(world.hospital)).status_code == 404
    assert client.get(_url(world.school, format="xlsx")).status_code == 404
    assert client.get(reverse("activities:member_attendance") + "?unit=abc").status_code == 404
    # Without an organiser role anywhere: refused before any unit is looked at (nothing confirmed).
    assert login(outsider).get(_url(world.school)).status_code == 403
    assert login(member).get(_url(world.branch_b)).status_code == 403


def test_a_bad_period_says_why(login, chair, world):
    client = login(chair)
    page = client.get(_url(world.school, start="2026-03-31", end="2026-03-01"))
    assert page.status_code == 200 and "结束日期不能早于起始日期。" in page.text
    assert client.get(_url(world.school, start="三月")).status_code == 200


@pytest.mark.parametrize("fmt", ["", "xlsx"])
def test_queries_do_not_grow_with_members(login, chair, world, fmt, django_assert_max_num_queries):
    client = login(chair)
    client.get(_url(world.school, format=fmt))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(_url(world.school, format=fmt))
    MemberFactory.create_batch(30, org_unit=world.branch_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url(world.school, format=fmt))
