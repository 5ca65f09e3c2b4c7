"""The occurrence pages: detail, QR check-in, the 负责人's list, the attendance export, 工作台."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Attendance, AttendanceStatus, Occurrence, Recurrence

from .builders import member_of


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
    assert mine[3:6] == [1, 1, "100%"]
    bad = login(chair).get(reverse("activities:attendance_export", args=[running.schedule_id]), {"year": "x"})
    assert bad.status_code == 302


def test_the_workbench_shows_my_activities_this_week(login, member, running):
    running.starts_at = timezone.now() + dt.timedelta(minutes=5)
    running.ends_at = running.starts_at + dt.timedelta(hours=1)
    running.save()
    page = login(member).get(reverse("dashboard"))
    assert page.status_code == 200
    assert 'data-testid="my-occurrences"' in page.text and "职工健身" in page.text
