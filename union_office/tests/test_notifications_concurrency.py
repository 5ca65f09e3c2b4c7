"""Exactly once when dispatcher runs overlap: real threads on PostgreSQL (SKIP LOCKED)."""

import itertools
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from union_office.notifications import Channel, Delivery, Notification, register_kind, reminder_schedule
from union_office.notifications.dispatch import reminders_dispatch_due
from union_office.notifications.kinds import REMINDER_KINDS
from union_office.testing import run_at_once

_usernames = itertools.count(1)


def make_user(*, username: str | None = None, email: str = ""):
    """A plain auth user: the kernel's tests may not build members (dependencies point one way)."""
    return get_user_model().objects.create(username=username or f"user{next(_usernames)}", email=email)


KIND = "tests.concurrency"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
        "cannot be shared between threads; run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture(autouse=True)
def _kind():
    register_kind(KIND, label="并发测试")
    yield
    REMINDER_KINDS.pop(KIND, None)


def _dispatch_at_once(runs: int, **kwargs) -> list:
    """The results of `runs` dispatcher runs started together; any exception fails the test."""
    outcomes = run_at_once(lambda n: reminders_dispatch_due(**kwargs), runs, refusals=(), timeout=120)
    return [o.value for o in outcomes]


def test_three_dispatch_runs_at_once_send_each_delivery_exactly_once(monkeypatch):
    users = [make_user(email=f"user{i}@example.org") for i in range(120)]
    due = timezone.now()
    for user in users:
        reminder_schedule(kind=KIND, recipient=user, due_at=due, subject=f"提醒 {user.pk}")
    real_send = EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.002)  # long enough for the runs to interleave
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    results = _dispatch_at_once(3, batch_size=20, email_batch_size=10)

    assert sum(r.sent for r in results) == 240
    assert sum(1 for r in results if r.sent) >= 2, "the runs did not overlap; the test proves nothing"
    per_user = Counter(Notification.objects.values_list("recipient_id", flat=True))
    assert set(per_user) == {u.pk for u in users}
    assert set(per_user.values()) == {1}
    emails = Counter(message.to[0] for message in mail.outbox)
    assert len(emails) == 120
    assert set(emails.values()) == {1}
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}


def test_a_reminder_scheduled_while_runs_overlap_is_sent_once():
    users = [make_user(email="") for _ in range(50)]
    for user in users:
        reminder_schedule(kind=KIND, recipient=user, due_at=timezone.now(), subject="x", channels=[Channel.INAPP])
    _dispatch_at_once(2, batch_size=5)
    late = make_user(email="")
    reminder_schedule(kind=KIND, recipient=late, due_at=timezone.now(), subject="y", channels=[Channel.INAPP])
    _dispatch_at_once(2, batch_size=5)
    assert Notification.objects.count() == 51
    assert Notification.objects.filter(recipient=late).count() == 1
