"""Reminders and the dispatcher: scheduling, dedupe, rollback, mute, email, stale claims."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.utils import timezone

from union_office.notifications import (
    Channel,
    Delivery,
    Notification,
    notify,
    register_kind,
    reminder_schedule,
    reminders_cancel,
)
from union_office.notifications.dispatch import reminders_dispatch_due, sweep_stale_claims
from union_office.notifications.kinds import REMINDER_KINDS
from union_office.notifications.services import notification_mute_set

_usernames = itertools.count(1)


def make_user(*, username: str | None = None, email: str = ""):
    """A plain auth user: the kernel's tests may not build members (dependencies point one way)."""
    return get_user_model().objects.create(username=username or f"user{next(_usernames)}", email=email)


State = Delivery.State
KIND = "tests.event_upcoming"


@pytest.fixture(autouse=True)
def _test_kind():
    register_kind(KIND, label="测试提醒")
    yield
    REMINDER_KINDS.pop(KIND, None)


@pytest.fixture
def user(db):
    return make_user(username="wang", email="wang@example.org")


@pytest.fixture
def source(db):
    # Any model instance can be a reminder's source; a user row is at hand in the kernel's tests.
    return make_user(username="event-stand-in")


def schedule(user, *, due_in=timedelta(minutes=-1), source=None, key="", channels=(Channel.INAPP, Channel.EMAIL)):
    return reminder_schedule(
        kind=KIND,
        recipient=user,
        due_at=timezone.now() + due_in,
        subject="明天 9:00 运动会",
        body="请提前十分钟到操场集合。",
        url="/activities/1/",
        source=source,
        key=key,
        channels=channels,
    )


def test_a_due_reminder_is_delivered_in_app_and_by_email_once(user):
    schedule(user)
    first = reminders_dispatch_due()
    second = reminders_dispatch_due()
    assert (first.sent, second.sent) == (2, 0)
    notification = Notification.objects.get(recipient=user)
    assert (notification.subject, notification.url, notification.read_at) == (
        "明天 9:00 运动会",
        "/activities/1/",
        None,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.org"]
    assert mail.outbox[0].subject == "明天 9:00 运动会"
    assert "http://127.0.0.1:8000/activities/1/" in mail.outbox[0].body
    assert set(Delivery.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_reminder_not_yet_due_waits(user):
    schedule(user, due_in=timedelta(hours=1))
    assert reminders_dispatch_due().sent == 0
    assert reminders_dispatch_due(now=timezone.now() + timedelta(hours=2)).sent == 2


def test_scheduling_again_moves_the_pending_reminder_instead_of_adding_one(user, source):
    schedule(user, source=source, due_in=timedelta(hours=1))
    reminder = schedule(user, source=source, due_in=timedelta(hours=3))
    assert reminder.deliveries.count() == 2
    assert set(reminder.deliveries.values_list("state", flat=True)) == {State.PENDING}
    assert reminders_dispatch_due(now=timezone.now() + timedelta(hours=2)).sent == 0
    assert reminders_dispatch_due(now=timezone.now() + timedelta(hours=4)).sent == 2


def test_a_sent_reminder_is_not_sent_again_when_scheduled_again(user, source):
    schedule(user, source=source)
    reminders_dispatch_due()
    schedule(user, source=source)
    assert reminders_dispatch_due().sent == 0
    assert Notification.objects.count() == 1
    # A new key is a new reminder.
    schedule(user, source=source, key="moved")
    assert reminders_dispatch_due().sent == 2


def test_a_reminder_scheduled_in_a_rolled_back_transaction_is_never_sent(user, source):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        schedule(user, source=source)
        raise Boom
    assert reminders_dispatch_due().sent == 0
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_cancelled_reminders_are_not_sent_and_come_back_when_scheduled_again(user, source):
    schedule(user, source=source)
    assert reminders_cancel(source=source) == 2
    assert reminders_dispatch_due().sent == 0
    assert set(Delivery.objects.values_list("state", flat=True)) == {State.CANCELLED}
    schedule(user, source=source)  # signed up again
    assert reminders_dispatch_due().sent == 2


def test_cancel_narrows_to_one_recipient(user, source):
    other = make_user(email="li@example.org")
    schedule(user, source=source)
    schedule(other, source=source)
    assert reminders_cancel(source=source, recipient=other) == 2
    reminders_dispatch_due()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [user.pk]


def test_a_muted_kind_is_skipped_and_recorded(user):
    schedule(user)
    notification_mute_set(user=user, kind=KIND, muted=True)
    result = reminders_dispatch_due()
    assert (result.sent, result.skipped) == (0, 2)
    assert not Notification.objects.exists()
    assert mail.outbox == []
    notes = set(Delivery.objects.values_list("state", "note"))
    assert notes == {(State.SKIPPED, "接收人已关闭此类提醒")}


def test_unmuting_sends_what_is_scheduled_afterwards(user, source):
    notification_mute_set(user=user, kind=KIND, muted=True)
    notification_mute_set(user=user, kind=KIND, muted=False)
    schedule(user, source=source)
    assert reminders_dispatch_due().sent == 2


def test_email_is_skipped_for_a_user_without_an_address(db):
    nobody = make_user(email="")
    schedule(nobody)
    result = reminders_dispatch_due()
    assert (result.sent, result.skipped) == (1, 1)
    assert Delivery.objects.get(channel=Channel.EMAIL).note == "接收人没有电子邮箱"


def test_unknown_kind_and_naive_time_are_refused(user):
    with pytest.raises(ValueError, match="unknown reminder kind"):
        reminder_schedule(kind="tests.typo", recipient=user, due_at=timezone.now(), subject="x")
    with pytest.raises(ValueError, match="aware"):
        reminder_schedule(kind=KIND, recipient=user, due_at=timezone.now().replace(tzinfo=None), subject="x")


def test_notify_writes_the_inbox_row_in_the_callers_transaction(user):
    notify(kind=KIND, recipient=user, subject="您已从候补转为报名成功", url="/activities/1/")
    assert Notification.objects.filter(recipient=user, subject="您已从候补转为报名成功").count() == 1
    assert mail.outbox == []  # email: the dispatcher's next run
    assert reminders_dispatch_due().sent == 1
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_later_then_given_up(user, settings, monkeypatch):
    schedule(user, channels=[Channel.EMAIL])

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    result = reminders_dispatch_due()
    delivery = Delivery.objects.get()
    assert (result.retried, delivery.state, delivery.attempts) == (1, State.PENDING, 1)
    assert delivery.due_at > timezone.now()
    assert "mail server down" in delivery.note
    later = timezone.now() + timedelta(days=1)
    for _attempt in range(4):
        reminders_dispatch_due(now=later)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.FAILED, 5)


def _claimed(delivery: Delivery, *, attempted: bool, minutes_ago: int = 10) -> None:
    import uuid

    claimed_at = timezone.now() - timedelta(minutes=minutes_ago)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.SENDING,
        claimed_at=claimed_at,
        claim_token=uuid.uuid4(),
        attempted_at=claimed_at if attempted else None,
    )


def test_a_stale_claim_never_attempted_is_sent_by_the_next_run(user, settings):
    settings.REMINDERS_CLAIM_TIMEOUT = 300
    schedule(user, channels=[Channel.EMAIL])
    _claimed(Delivery.objects.get(), attempted=False)  # a worker claimed it and was killed
    result = reminders_dispatch_due()
    assert (result.released, result.sent) == (1, 1)
    assert len(mail.outbox) == 1


def test_a_stale_claim_that_may_have_been_sent_goes_to_review_not_out_again(user, settings):
    settings.REMINDERS_CLAIM_TIMEOUT = 300
    schedule(user, channels=[Channel.EMAIL])
    _claimed(Delivery.objects.get(), attempted=True)  # killed while talking to the mail server
    result = reminders_dispatch_due()
    assert (result.review, result.sent) == (1, 0)
    assert mail.outbox == []
    delivery = Delivery.objects.get()
    assert delivery.state == State.REVIEW
    assert "可能已发出" in delivery.note


def test_a_fresh_claim_is_left_to_its_worker(user, settings):
    settings.REMINDERS_CLAIM_TIMEOUT = 300
    schedule(user, channels=[Channel.EMAIL])
    _claimed(Delivery.objects.get(), attempted=False, minutes_ago=1)
    result = sweep_stale_claims(now=timezone.now())
    assert (result.released, result.review) == (0, 0)
    assert reminders_dispatch_due().sent == 0
    assert Delivery.objects.get().state == State.SENDING


def test_a_worker_whose_claim_was_released_does_not_send(user, settings, monkeypatch):
    """The slow worker comes back after its rows were given to another run: it must not send."""
    from union_office.notifications import dispatch

    schedule(user, channels=[Channel.EMAIL])
    real_claim = dispatch._claim_emails

    def claim_then_lose_it(**kwargs):
        token = real_claim(**kwargs)
        # Meanwhile the sweep decided this claim was stale and released it.
        Delivery.objects.update(state=State.PENDING, claimed_at=None, claim_token=None)
        return token

    monkeypatch.setattr(dispatch, "_claim_emails", claim_then_lose_it)
    dispatch._dispatch_email_batch(now=timezone.now(), batch_size=10, result=dispatch.DispatchResult())
    assert mail.outbox == []
    assert Delivery.objects.get().state == State.PENDING


def _dispatch_queries(n: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(n):
        schedule(make_user(email=""), channels=[Channel.INAPP])
    with CaptureQueriesContext(connection) as queries:
        assert reminders_dispatch_due().sent == n
    return len(queries)


def test_dispatch_query_count_does_not_grow_with_the_batch(db):
    one = _dispatch_queries(1)
    assert _dispatch_queries(30) == one
    assert one <= 20  # the sweep, one batch (select, mutes, insert, update) and the empty batch after it


# --- The embedded dispatcher (no Redis) --------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "redis", "argv", "wanted"),
    [
        ("auto", None, ["manage.py", "runserver", "127.0.0.1:8000"], True),
        ("auto", "redis://127.0.0.1:6379/0", ["manage.py", "runserver"], False),  # Celery beat does it
        ("auto", None, ["gunicorn", "union_office.wsgi"], False),  # not unless configured
        ("auto", None, ["manage.py", "migrate"], False),
        ("true", "redis://127.0.0.1:6379/0", ["gunicorn", "union_office.wsgi"], True),
        ("false", None, ["manage.py", "runserver"], False),
    ],
)
def test_when_the_embedded_dispatcher_runs(settings, mode, redis, argv, wanted):
    from union_office.notifications.embedded import embedded_dispatcher_wanted

    settings.REMINDERS_THREAD = mode
    settings.REDIS_URL = redis
    assert embedded_dispatcher_wanted(argv) is wanted


def test_the_embedded_dispatcher_starts_once_per_process(user, settings, monkeypatch):
    import threading

    from union_office.notifications import embedded

    settings.REMINDERS_THREAD = "true"
    ran = threading.Event()
    monkeypatch.setattr(embedded, "_started", threading.Event())
    monkeypatch.setattr(embedded, "_run_forever", lambda stop: ran.set())
    assert embedded.start_embedded_dispatcher() is not None
    assert embedded.start_embedded_dispatcher() is None  # a second call in the same process
    assert ran.wait(5)
