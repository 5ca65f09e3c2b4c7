"""Occurrences as rows: materialised once, rule edits touch the future only, skips and moves tell
those already reminded once, reminders exactly once, check-in once per member in its window."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from activities import services
from activities.models import (
    Attendance,
    AttendanceStatus,
    Audience,
    AudienceReminders,
    Eligibility,
    Occurrence,
    OccurrenceStatus,
    Recurrence,
    Schedule,
)
from activities.occurrences import (
    CHANGED,
    DIGEST,
    LEAD,
    UPCOMING,
    audience_members,
    materialise,
    plan_due_reminders,
)
from activities.services import ActivityError
from activities.services.occurrences import occurrence_check_in, occurrence_move, schedule_rule_update
from union_office.notifications import Delivery, Notification, Reminder
from union_office.notifications.dispatch import reminders_dispatch_due
from union_office.notifications.services import notification_mute_set
from union_office.testing import run_at_once

from .factories import person

on_postgres = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks and its in-memory test database cannot be shared between threads; "
    "run with DATABASE_URL=postgres://…",
)


def _weekly(org, chair, **values):
    """每周五 14:00–16:00 职工健身 for the whole school, from today."""
    today = timezone.localdate()
    defaults = {
        "actor": chair,
        "org_unit": org.school,
        "title": "职工健身",
        "recurrence": Recurrence.WEEKLY,
        "weekday": 4,
        "start_time": dt.time(14),
        "end_time": dt.time(16),
        "starts_on": today,
        "place": "学校体育馆",
    }
    return services.schedule_create(**(defaults | values))


def _dates(schedule, **filters):
    return list(Occurrence.objects.filter(schedule=schedule, **filters).values_list("date", flat=True))


# --- Materialising ------------------------------------------------------------------------------


def test_creating_a_weekly_activity_materialises_two_months_and_again_adds_nothing(org, chair):
    schedule = _weekly(org, chair)
    dates = _dates(schedule)
    assert 8 <= len(dates) <= 10
    assert all(d.weekday() == 4 for d in dates)
    assert materialise(schedule) == 0
    assert _dates(schedule) == dates


def test_the_horizon_rolls_forward(org, chair):
    schedule = _weekly(org, chair)
    later = timezone.localdate() + dt.timedelta(days=28)
    added = materialise(schedule, today=later)
    assert added == 4
    assert len(_dates(schedule)) == len(set(_dates(schedule)))


@pytest.mark.django_db(transaction=True)
@on_postgres
def test_two_beats_materialising_at_once_insert_each_date_once(org, chair):
    schedule = _weekly(org, chair)
    Occurrence.objects.all().delete()
    outcomes = run_at_once(lambda n: materialise(Schedule.objects.get(pk=schedule.pk)), 4, refusals=())
    total = sum(o.value for o in outcomes)
    dates = _dates(schedule)
    assert len(dates) == len(set(dates)) and total >= len(dates)


# --- Rule edits and skips -----------------------------------------------------------------------


def test_a_rule_change_moves_future_occurrences_only(org, chair):
    schedule = _weekly(org, chair)
    past = Occurrence.objects.create(
        schedule=schedule,
        date=dt.date(2020, 1, 3),
        starts_at=timezone.make_aware(dt.datetime(2020, 1, 3, 14)),
        ends_at=timezone.make_aware(dt.datetime(2020, 1, 3, 16)),
        place="旧体育馆",
    )
    Attendance.objects.create(
        occurrence=past,
        member=person(org.school),
        status=AttendanceStatus.CHECKED_IN,
        queued_at=past.starts_at,
        checked_in_at=past.starts_at,
    )
    schedule_rule_update(actor=chair, schedule_id=schedule.pk, weekday=2, start_time=dt.time(15), end_time=dt.time(17))
    past.refresh_from_db()
    assert (past.status, past.place, timezone.localtime(past.starts_at).hour) == ("scheduled", "旧体育馆", 14)
    assert past.attendances.get().status == AttendanceStatus.CHECKED_IN
    future = Occurrence.objects.filter(schedule=schedule, starts_at__gt=timezone.now())
    fridays = future.filter(date__week_day=6)  # Django: 1 = Sunday … 6 = Friday
    assert fridays.exists() and not fridays.filter(status=OccurrenceStatus.SCHEDULED).exists()
    wednesdays = future.filter(status=OccurrenceStatus.SCHEDULED)
    assert wednesdays.count() >= 8
    assert {(o.date.weekday(), timezone.localtime(o.starts_at).hour) for o in wednesdays} == {(2, 15)}


def test_a_weekly_activity_changed_to_the_first_wednesday_keeps_only_those(org, chair):
    schedule = _weekly(org, chair)
    schedule_rule_update(
        actor=chair, schedule_id=schedule.pk, recurrence=Recurrence.NTH_WEEKDAY, weekday=2, week_of_month=1
    )
    schedule.refresh_from_db()
    assert (schedule.recurrence, schedule.weekday, schedule.week_of_month) == (Recurrence.NTH_WEEKDAY, 2, 1)
    kept = Occurrence.objects.filter(schedule=schedule, status=OccurrenceStatus.SCHEDULED)
    assert {(o.date.weekday(), o.date.day <= 7) for o in kept} == {(2, True)}
    assert Occurrence.objects.filter(schedule=schedule, status=OccurrenceStatus.CANCELLED).exists()
    # Back to weekly: the month's week is dropped, the row says one thing.
    schedule_rule_update(actor=chair, schedule_id=schedule.pk, recurrence=Recurrence.WEEKLY, weekday=4)
    schedule.refresh_from_db()
    assert (schedule.recurrence, schedule.week_of_month) == (Recurrence.WEEKLY, None)


def _remind_now(occurrence):
    """Plan and dispatch the occurrence's reminders as if it were the day before."""
    now = occurrence.starts_at - dt.timedelta(hours=30)
    plan_due_reminders(now=now)
    return reminders_dispatch_due(now=occurrence.starts_at - dt.timedelta(hours=1))


def test_a_skip_sends_one_cancellation_to_those_already_reminded(org, chair):
    lead = person(org.school, name="王老师")
    reminded, later = person(org.branch_a), person(org.branch_b)
    schedule = _weekly(org, chair, responsible=lead, audience=Audience.MEMBERS, audience_members=[reminded])
    first = Occurrence.objects.filter(schedule=schedule).order_by("date")[1]
    _remind_now(first)
    assert Notification.objects.filter(recipient=reminded.user, kind=UPCOMING).count() == 1
    schedule.audience_members.add(later)  # joined after the reminder went out: not told
    services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=first.date, reason="运动会停一次")
    services.schedule_unskip(actor=chair, schedule_id=schedule.pk, date=first.date)
    services.schedule_skip(actor=chair, schedule_id=schedule.pk, date=first.date, reason="运动会停一次")
    reminders_dispatch_due()
    reminders_dispatch_due()
    first.refresh_from_db()
    assert first.status == OccurrenceStatus.CANCELLED
    cancelled = Notification.objects.filter(kind=CHANGED)
    assert sorted(cancelled.values_list("recipient_id", flat=True)) == sorted([reminded.user_id, lead.user_id])
    assert cancelled.first().subject.startswith("活动取消：职工健身（")
    assert not Notification.objects.filter(recipient=later.user).exists()


def test_a_move_withdraws_pending_reminders_and_tells_the_reminded(org, chair):
    lead = person(org.school)
    schedule = _weekly(org, chair, responsible=lead)
    occurrence = Occurrence.objects.filter(schedule=schedule).order_by("date")[1]
    plan_due_reminders(now=occurrence.starts_at - dt.timedelta(hours=30))
    reminders_dispatch_due(now=occurrence.starts_at - dt.timedelta(hours=20))  # the eve one only
    reminded = set(Notification.objects.values_list("recipient_id", flat=True))
    assert lead.user_id in reminded
    new_start = occurrence.starts_at + dt.timedelta(hours=2)
    occurrence_move(
        actor=chair, occurrence_id=occurrence.pk, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=1)
    )
    assert Delivery.objects.filter(reminder__key__startswith="morning-", state="pending").count() == 0
    reminders_dispatch_due()
    reminders_dispatch_due()
    notices = Notification.objects.filter(kind=CHANGED)
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted(reminded)
    assert all("改为" in n.subject and "16:00–17:00" in n.subject for n in notices)


# --- Reminders ----------------------------------------------------------------------------------


def test_lead_and_audience_reminders_exactly_once_with_two_dispatchers(org, chair):
    lead = person(org.school)
    audience = [person(org.branch_a) for _ in range(3)]
    schedule = _weekly(org, chair, responsible=lead, audience=Audience.UNIT, audience_unit=org.branch_a)
    occurrence = Occurrence.objects.filter(schedule=schedule).order_by("date")[1]
    plan_due_reminders(now=occurrence.starts_at - dt.timedelta(hours=30))
    plan_due_reminders(now=occurrence.starts_at - dt.timedelta(hours=29))
    at = occurrence.starts_at - dt.timedelta(minutes=30)
    reminders_dispatch_due(now=at)
    reminders_dispatch_due(now=at)
    lead_subjects = list(Notification.objects.filter(recipient=lead.user).values_list("subject", flat=True))
    assert len(lead_subjects) == 2 and all(s.startswith("您负责的活动：职工健身（") for s in lead_subjects)
    for member in audience:
        (subject,) = Notification.objects.filter(recipient=member.user, kind=UPCOMING).values_list("subject", flat=True)
        assert subject.count("活动提醒") == 1 and "学校体育馆" in subject and "14:00–16:00" in subject


@pytest.mark.django_db(transaction=True)
@on_postgres
def test_two_planners_and_two_dispatchers_at_once_deliver_once(org, chair):
    audience = [person(org.branch_a) for _ in range(5)]
    schedule = _weekly(org, chair, audience=Audience.UNIT, audience_unit=org.branch_a, responsible=audience[0])
    occurrence = Occurrence.objects.filter(schedule=schedule).order_by("date")[1]
    run_at_once(lambda n: plan_due_reminders(now=occurrence.starts_at - dt.timedelta(hours=30)), 2, refusals=())
    at = occurrence.starts_at - dt.timedelta(minutes=30)
    run_at_once(lambda n: reminders_dispatch_due(now=at), 2, refusals=())
    assert Notification.objects.filter(kind=UPCOMING).count() == 5
    assert Notification.objects.filter(kind=LEAD).count() == 2


def test_muted_users_get_nothing(org, chair):
    quiet, loud = person(org.branch_a), person(org.branch_a)
    notification_mute_set(user=quiet.user, kind=UPCOMING, muted=True)
    schedule = _weekly(org, chair, audience=Audience.UNIT, audience_unit=org.branch_a)
    _remind_now(Occurrence.objects.filter(schedule=schedule).order_by("date")[1])
    assert not Notification.objects.filter(recipient=quiet.user).exists()
    assert Notification.objects.filter(recipient=loud.user, kind=UPCOMING).count() == 1


def test_a_large_audience_gets_one_monthly_digest_instead(org, chair):
    people = [person(org.branch_a) for _ in range(3)]
    schedule = _weekly(org, chair, audience_reminders=AudienceReminders.DIGEST)
    now = timezone.now()
    plan_due_reminders(now=now)
    plan_due_reminders(now=now)
    reminders_dispatch_due(now=now + dt.timedelta(minutes=1))
    digests = Notification.objects.filter(kind=DIGEST)
    this_month = Occurrence.objects.filter(
        schedule=schedule, date__gte=timezone.localdate(), date__month=timezone.localdate().month
    ).count()
    if this_month:
        assert digests.filter(recipient=people[0].user).count() == 1
        assert digests.first().subject == f"本月活动：职工健身（{this_month} 次）"
    assert not Notification.objects.filter(kind=UPCOMING).exists()


def test_audience_by_eligibility_reuses_the_events_rules(org, chair):
    woman, man = person(org.branch_a, gender="F"), person(org.branch_a, gender="M")
    retired = person(org.branch_a, gender="F", status="retired")
    women = _weekly(org, chair, eligibility=Eligibility.WOMEN)
    retirees = _weekly(org, chair, title="退休职工合唱", eligibility=Eligibility.RETIREES)
    assert woman in audience_members(women) and man not in audience_members(women)
    assert retired not in audience_members(women)
    assert list(audience_members(retirees)) == [retired]


# --- Check-in -----------------------------------------------------------------------------------


def _running(org, chair, **values):
    """An occurrence happening now (started 10 minutes ago)."""
    schedule = _weekly(org, chair, **values)
    start = timezone.now() - dt.timedelta(minutes=10)
    return Occurrence.objects.create(
        schedule=schedule,
        date=timezone.localdate() - dt.timedelta(days=400),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )


def test_qr_check_in_once_per_member(org, chair):
    occurrence = _running(org, chair)
    runner = person(org.branch_b)
    attendance = occurrence_check_in(actor=runner.user, occurrence_id=occurrence.pk, token=occurrence.checkin_token)
    assert attendance.status == AttendanceStatus.CHECKED_IN
    with pytest.raises(ActivityError, match="已于"):
        occurrence_check_in(actor=runner.user, occurrence_id=occurrence.pk, token=occurrence.checkin_token)
    assert Attendance.objects.filter(occurrence=occurrence).count() == 1


def test_check_in_refused_outside_the_window_and_with_a_wrong_code(org, chair):
    schedule = _weekly(org, chair)
    runner = person(org.branch_b)
    upcoming = Occurrence.objects.filter(schedule=schedule).order_by("date").last()
    with pytest.raises(ActivityError, match="签到时间为"):
        occurrence_check_in(actor=runner.user, occurrence_id=upcoming.pk, token=upcoming.checkin_token)
    running = _running(org, chair)
    with pytest.raises(ActivityError, match="签到码无效"):
        occurrence_check_in(actor=runner.user, occurrence_id=running.pk, token="guessed")
    assert not Attendance.objects.exists()


def test_check_in_refused_for_members_outside_the_audience(org, chair):
    occurrence = _running(org, chair, audience=Audience.UNIT, audience_unit=org.branch_a)
    outsider = person(org.branch_b)
    with pytest.raises(ActivityError, match="不在“职工健身”的参加范围内"):
        occurrence_check_in(actor=outsider.user, occurrence_id=occurrence.pk, token=occurrence.checkin_token)
    hospital = person(org.ward)
    with pytest.raises(ActivityError, match="参加范围"):
        occurrence_check_in(actor=hospital.user, occurrence_id=occurrence.pk, token=occurrence.checkin_token)


def test_the_lead_ticks_members_on_the_list(org, chair):
    lead = person(org.school)
    occurrence = _running(org, chair, responsible=lead)
    runner = person(org.branch_b)
    occurrence_check_in(actor=lead.user, occurrence_id=occurrence.pk, member=runner)
    assert Attendance.objects.get(occurrence=occurrence, member=runner).checked_in_by == lead.user
    stranger = person(org.branch_b)
    with pytest.raises(PermissionDenied):  # neither 负责人 nor organiser
        occurrence_check_in(actor=stranger.user, occurrence_id=occurrence.pk, member=runner)


def test_the_reminder_subjects_are_not_prefixed_twice(org, chair):
    lead = person(org.school)
    schedule = _weekly(org, chair, responsible=lead)
    _remind_now(Occurrence.objects.filter(schedule=schedule).order_by("date")[1])
    for subject in Reminder.objects.values_list("subject", flat=True):
        assert subject.count("：") == 1, subject


def test_the_beat_schedule_materialises_and_plans_so_the_embedded_beat_does_too():
    from union_office.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "activities.tasks.occurrences_materialise_task",
        "activities.tasks.occurrence_reminders_plan_task",
    } <= tasks


def test_a_full_occurrence_waitlists_and_a_cancellation_promotes_the_first_in_line(org, chair):
    from activities.services.occurrences import occurrence_signup, occurrence_signup_cancel

    schedule = _weekly(org, chair, capacity=1)
    occurrence = Occurrence.objects.filter(schedule=schedule).order_by("date").last()
    first, second = person(org.branch_a), person(org.branch_b)
    assert occurrence_signup(actor=first.user, occurrence_id=occurrence.pk).status == AttendanceStatus.SIGNED_UP
    assert occurrence_signup(actor=second.user, occurrence_id=occurrence.pk).status == AttendanceStatus.WAITLISTED
    with pytest.raises(ActivityError, match="已报名"):
        occurrence_signup(actor=second.user, occurrence_id=occurrence.pk)
    occurrence_signup_cancel(actor=first.user, occurrence_id=occurrence.pk)
    assert Attendance.objects.get(occurrence=occurrence, member=second).status == AttendanceStatus.SIGNED_UP
    assert Notification.objects.filter(recipient=second.user, kind="activities.waitlist_promoted").count() == 1
    # With a capacity, only those holding a place may check in.
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=5), ends_at=timezone.now() + dt.timedelta(hours=1)
    )
    with pytest.raises(ActivityError, match="没有这次活动的名额"):
        occurrence_check_in(actor=first.user, occurrence_id=occurrence.pk, token=occurrence.checkin_token)
