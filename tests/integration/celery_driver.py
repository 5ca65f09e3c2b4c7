"""The integration test's hands inside the database the Celery worker uses (run as a subprocess).

    python -m tests.integration.celery_driver reset
    python -m tests.integration.celery_driver schedule COUNT SECONDS_AHEAD [inapp,email]
    python -m tests.integration.celery_driver status      → JSON on stdout
    python -m tests.integration.celery_driver export COUNT     (a roster export of COUNT members, queued)
    python -m tests.integration.celery_driver export_status    → JSON on stdout
    python -m tests.integration.celery_driver sweep            (beat's roster-jobs-requeue, once)

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


def export(count: int) -> None:
    """A unit of COUNT members and its 工会主席 (no member record: the roster has exactly COUNT
    rows), and a queued export of its roster, sent to the broker as the export view does."""
    from members.exports import roster_export_create
    from members.models import Member, OrgUnit, RosterExport
    from members.tests.factories import MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory

    # The previous run's (the factories number their 身份证号 afresh in each process).
    RosterExport.objects.filter(created_by__username__startswith="itx-").delete()
    User.objects.filter(username__startswith="itx-").delete()
    Member.objects.filter(org_unit__name__startswith="集成测试工会").delete()
    OrgUnit.objects.filter(name__startswith="集成测试工会").delete()
    stamp = timezone.now().strftime("%H%M%S%f")
    unit = OrgUnitFactory(name=f"集成测试工会{stamp}")
    chair = UserFactory(username=f"itx-chair-{stamp}")
    RoleGrantFactory(user=chair, org_unit=unit, role="chair")
    MemberFactory.create_batch(count, org_unit=unit)
    roster_export_create(user=chair, query="", full_id_numbers=False, total_rows=count)


def export_status() -> dict:
    from django.conf import settings

    from members.models import RosterExport

    export = RosterExport.objects.filter(created_by__username__startswith="itx-").get()
    root = settings.MEDIA_ROOT / "exports"
    return {
        "id": export.pk,
        "status": export.status,
        "processed_rows": export.processed_rows,
        "total_rows": export.total_rows,
        "file": export.file.name,
        "files": sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file()),
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
    elif command == "export":
        export(int(sys.argv[2]))
    elif command == "export_status":
        print(json.dumps(export_status()))
    elif command == "sweep":
        from members.tasks import roster_jobs_requeue_task

        print(json.dumps(roster_jobs_requeue_task()))
    else:
        raise SystemExit(f"unknown command {command!r}")
