"""Reminders before each event, through the kernel: scheduled with the sign-up, moved, withdrawn."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from activities import services
from activities.models import Event
from union_office.notifications import Notification, Reminder
from union_office.notifications.dispatch import reminders_dispatch_due

from .factories import EventFactory, person


def _reminders(user, kind="activities.event_upcoming"):
    return Reminder.objects.filter(recipient=user, kind=kind)


def test_a_sign_up_schedules_one_reminder_the_day_before(org):
    event = EventFactory(org_unit=org.school)
    runner = person(org.branch_b)
    services.signup_create(actor=runner.user, event_id=event.pk)
    (reminder,) = _reminders(runner.user)
    assert reminder.due_at == event.starts_at - dt.timedelta(days=1)
    assert reminder.subject.startswith("活动提醒：教职工乒乓球赛")
    assert reminder.url == f"/activities/{event.pk}/"


def test_the_member_gets_it_in_the_inbox_once_after_dispatch(org):
    event = EventFactory(org_unit=org.school)
    runner = person(org.branch_b)
    services.signup_create(actor=runner.user, event_id=event.pk)
    reminders_dispatch_due(now=event.starts_at - dt.timedelta(hours=23))
    reminders_dispatch_due(now=event.starts_at - dt.timedelta(hours=22))
    assert list(Notification.objects.filter(recipient=runner.user).values_list("subject", flat=True)) == [
        _reminders(runner.user).get().subject
    ]


def test_a_rolled_back_sign_up_reminds_nobody(org):
    event = EventFactory(org_unit=org.school)
    runner = person(org.branch_b)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.signup_create(actor=runner.user, event_id=event.pk)
        raise RuntimeError("the request failed after the sign-up")
    assert not Reminder.objects.exists()


def test_cancelling_withdraws_the_reminder_and_the_promoted_member_is_told(org):
    event = EventFactory(org_unit=org.school, capacity=1)
    first, second = person(org.branch_b), person(org.branch_b)
    mine = services.signup_create(actor=first.user, event_id=event.pk)
    services.signup_create(actor=second.user, event_id=event.pk)
    assert not _reminders(second.user).exists()  # waitlisted: nothing to be reminded of yet
    services.signup_cancel(actor=first.user, signup_id=mine.pk)
    reminders_dispatch_due(now=event.starts_at)
    assert not Notification.objects.filter(recipient=first.user).exists()
    assert Notification.objects.filter(recipient=second.user, kind="activities.waitlist_promoted").exists()
    assert Notification.objects.filter(recipient=second.user, kind="activities.event_upcoming").count() == 1


def test_moving_the_event_moves_the_reminders_and_the_organiser_has_one(chair, org):
    starts = timezone.now() + dt.timedelta(days=10)
    event = services.event_create(
        actor=chair,
        org_unit=org.school,
        title="读书分享会",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        status="open",
    )
    runner = person(org.branch_b)
    services.signup_create(actor=runner.user, event_id=event.pk)
    later = starts + dt.timedelta(days=3)
    services.event_update(actor=chair, event_id=event.pk, starts_at=later, ends_at=later + dt.timedelta(hours=2))
    assert _reminders(runner.user).get().due_at == later - dt.timedelta(days=1)
    organiser = _reminders(chair, "activities.event_organiser").get()
    assert organiser.due_at == later - dt.timedelta(days=1)
    # One prefix, not "您组织的活动即将开始：活动提醒：…".
    assert organiser.subject.startswith("您组织的活动即将开始：") and "活动提醒" not in organiser.subject


def test_cancelling_the_event_withdraws_reminders_and_tells_the_participants(chair, org):
    event = EventFactory(org_unit=org.school, organiser=chair)
    runner = person(org.branch_b)
    services.signup_create(actor=runner.user, event_id=event.pk)
    services.event_transition(actor=chair, event_id=event.pk, action="cancel", reason="台风停课")
    reminders_dispatch_due(now=event.starts_at)
    assert list(Notification.objects.filter(recipient=runner.user).values_list("kind", "body")) == [
        ("activities.event_cancelled", "台风停课")
    ]
    assert Event.objects.get(pk=event.pk).status == "cancelled"
