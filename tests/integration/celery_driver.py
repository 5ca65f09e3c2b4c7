"""The integration test's hands inside the database the Celery worker uses (run as a subprocess).

    python -m tests.integration.celery_driver reset
    python -m tests.integration.celery_driver schedule COUNT SECONDS_AHEAD [inapp,email]
    python -m tests.integration.celery_driver status      → JSON on stdout

The test process itself may be on SQLite; the worker, beat and this driver share DATABASE_URL.
"""

import json
import os
import sys
from collections import Counter
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from union_office.notifications import Delivery, Notification, Reminder, register_kind, reminder_schedule  # noqa: E402

KIND = "tests.integration"
User = get_user_model()


def reset() -> None:
    with transaction.atomic():
        Notification.objects.all().delete()
        Delivery.objects.all().delete()
        Reminder.objects.all().delete()
        User.objects.filter(username__startswith="it-").delete()


def schedule(count: int, seconds_ahead: float, channels: list[str]) -> None:
    register_kind(KIND, label="集成测试")
    due = timezone.now() + timedelta(seconds=seconds_ahead)
    start = User.objects.filter(username__startswith="it-").count()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"it-{start + i}", email=f"it-{start + i}@example.org") for i in range(count)
        )
        for user in users:
            reminder_schedule(kind=KIND, recipient=user, due_at=due, subject=f"提醒 {user.username}", channels=channels)


def status() -> dict:
    states = Counter(f"{channel}:{state}" for channel, state in Delivery.objects.values_list("channel", "state"))
    per_delivery = Counter(Notification.objects.values_list("delivery_id", flat=True))
    return {
        "states": states,
        "notifications": sum(per_delivery.values()),
        # Sent before their time: must stay 0.
        "early": Notification.objects.filter(created_at__lt=F("delivery__reminder__due_at")).count(),
        "duplicate_notifications": sum(1 for n in per_delivery.values() if n > 1),
        "email_sent_ids": sorted(Delivery.objects.filter(channel="email", state="sent").values_list("pk", flat=True)),
        "email_review_ids": sorted(
            Delivery.objects.filter(channel="email", state="review").values_list("pk", flat=True)
        ),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "reset":
        reset()
    elif command == "schedule":
        channels = sys.argv[4].split(",") if len(sys.argv) > 4 else ["inapp", "email"]
        schedule(int(sys.argv[2]), float(sys.argv[3]), channels)
    elif command == "status":
        print(json.dumps(status()))
    else:
        raise SystemExit(f"unknown command {command!r}")
