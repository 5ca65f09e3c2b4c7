"""困难职工档案: one active file per household (the database decides), re-check reminders, 撤档, timeline."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from union_office.models import Reminder
from union_office.notifications.dispatch import reminders_dispatch_due
from welfare.models import FileEvent, HardshipFile, HardshipStatus
from welfare.services import hardship as files
from welfare.services import visits
from welfare.services.hardship import HardshipError

pytestmark = pytest.mark.django_db


def open_file(chair, member, **kwargs):
    values = {
        "level": "deep",
        "causes": ["illness", "schooling"],
        "situation": "妻子重病，女儿读高中",
        "monthly_income": "3200",
        "family": [{"name": "王芳", "relation": "妻子", "birth_year": 1982, "monthly_income": "0", "health": "尿毒症"}],
    }
    return files.file_open(actor=chair, member=member, **(values | kwargs))


def test_open_a_file_with_family_and_a_recheck_reminder(chair, member_in_b):
    file = open_file(chair, member_in_b)
    assert file.status == HardshipStatus.ACTIVE
    assert file.household_size == 2
    assert str(file.per_capita_income) == "1600.00"
    assert file.review_due_on == timezone.localdate() + dt.timedelta(days=365)
    reminder = Reminder.objects.get(kind="welfare.hardship_recheck")
    assert reminder.recipient == chair
    assert timezone.localdate(reminder.due_at) == file.review_due_on


def test_the_reminder_reaches_the_committee_when_due(chair, member_in_b):
    file = open_file(chair, member_in_b)
    due = timezone.make_aware(dt.datetime.combine(file.review_due_on, dt.time(10)))
    reminders_dispatch_due(now=due)
    notification = chair.notifications.get(kind="welfare.hardship_recheck")
    assert member_in_b.name in notification.subject
    assert notification.url == reverse("welfare:file_detail", args=[file.pk])


def test_one_active_file_per_household(chair, member_in_b):
    open_file(chair, member_in_b)
    with pytest.raises(HardshipError, match="一户只能有一份在档档案"):
        open_file(chair, member_in_b)
    assert HardshipFile.objects.count() == 1


def test_the_database_enforces_it_too(chair, member_in_b):
    file = open_file(chair, member_in_b)
    twin = HardshipFile(
        member=member_in_b,
        org_unit=file.org_unit,
        level="relative",
        opened_on=file.opened_on,
        review_due_on=file.review_due_on,
        created_by=chair,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_after_closing_a_new_file_may_be_opened(chair, member_in_b):
    file = open_file(chair, member_in_b)
    with pytest.raises(HardshipError, match="撤档原因"):
        files.file_close(actor=chair, file_id=file.pk, reason="")
    files.file_close(actor=chair, file_id=file.pk, reason="女儿已工作，家庭脱困")
    file.refresh_from_db()
    assert file.status == HardshipStatus.CLOSED and file.closed_on == timezone.localdate()
    assert not Reminder.objects.filter(deliveries__state="pending").exists()
    with pytest.raises(HardshipError, match="已于"):
        files.file_close(actor=chair, file_id=file.pk, reason="again")
    assert open_file(chair, member_in_b, level="accident").status == HardshipStatus.ACTIVE


def test_review_moves_the_due_date_and_the_reminder(chair, member_in_b):
    file = open_file(chair, member_in_b)
    later = timezone.localdate() + dt.timedelta(days=100)
    files.file_review(actor=chair, file_id=file.pk, note="仍属困难", reviewed_on=later)
    file.refresh_from_db()
    assert file.review_due_on == later + dt.timedelta(days=365)
    pending = Reminder.objects.filter(kind="welfare.hardship_recheck", deliveries__state="pending").distinct()
    assert [timezone.localdate(r.due_at) for r in pending] == [file.review_due_on]


def test_only_reviewers_of_the_unit(committee, outsider, member_in_b):
    for user in (committee, outsider):
        with pytest.raises(PermissionDenied):
            open_file(user, member_in_b)


def test_timeline_has_visits_aid_and_changes(login, chair, member_in_b, budget):
    file = open_file(chair, member_in_b)
    files.file_update(
        actor=chair, file_id=file.pk, level="relative", causes=["illness"], situation="好转", monthly_income="4000"
    )
    visits.visit_record(
        actor=chair,
        member=member_in_b,
        kind="hardship",
        cause="春节走访",
        visited_on=timezone.localdate(),
        amount="500",
        is_cash=True,
        visitors="王建国",
    )
    assert list(file.events.values_list("kind", flat=True)) == [FileEvent.Kind.OPENED, FileEvent.Kind.CHANGED]
    page = login(chair).get(reverse("welfare:file_detail", args=[file.pk])).content.decode()
    assert "春节走访" in page and "建档" in page and "变更" in page and "王芳" in page


@pytest.mark.parametrize("who", ["member", "neighbour", "committee", "treasurer", "outsider"])
def test_file_is_404_for_others(request, login, chair, member_in_b, who):
    file = open_file(chair, member_in_b)
    user = request.getfixturevalue(who)
    assert login(user).get(reverse("welfare:file_detail", args=[file.pk])).status_code == 404


def test_create_through_the_form(login, chair, member_in_b):
    response = login(chair).post(
        reverse("welfare:file_create"),
        {
            "id_number": member_in_b.id_number,
            "level": "deep",
            "causes": ["illness"],
            "monthly_income": "2000",
            "family": "王芳，妻子，1982，无业，0，慢性病\n王小明，儿子，2010，高中，0，健康",
        },
    )
    file = HardshipFile.objects.get()
    assert response.status_code == 302
    assert file.family.count() == 2


def test_bad_family_line_is_explained(login, chair, member_in_b):
    response = login(chair).post(
        reverse("welfare:file_create"),
        {
            "id_number": member_in_b.id_number,
            "level": "deep",
            "causes": ["illness"],
            "monthly_income": "2000",
            "family": "王芳，妻子，19x2",
        },
    )
    assert "第 1 行：出生年份“19x2”不对" in response.content.decode()
    assert not HardshipFile.objects.exists()
