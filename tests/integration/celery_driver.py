"""The integration test's hands inside the database the Celery worker uses (run as a subprocess).

    python -m tests.integration.celery_driver reset
    python -m tests.integration.celery_driver schedule COUNT SECONDS_AHEAD [inapp,email]
    python -m tests.integration.celery_driver status      → JSON on stdout
    python -m tests.integration.celery_driver export COUNT     (a roster export of COUNT members, queued)
    python -m tests.integration.celery_driver export_status    → JSON on stdout
    python -m tests.integration.celery_driver sweep            (beat's roster-jobs-requeue, once)
    python -m tests.integration.celery_driver weekly SECONDS   (a weekly activity starting then; its
                                                                planner task sent twice to the worker)
    python -m tests.integration.celery_driver weekly_status    → JSON on stdout

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


def weekly(seconds_ahead: float) -> None:
    """A weekly activity for one member, its first occurrence starting `seconds_ahead` from now,
    and its reminder planner sent to the worker twice (as two beats would)."""
    from activities import services
    from activities.models import Schedule
    from activities.tasks import occurrence_reminders_plan_task
    from members.models import Member, OrgUnit
    from members.tests.factories import MemberFactory, OrgUnitFactory

    # The previous run's (its users stay: the audit log keeps who created the activity).
    Schedule.objects.filter(org_unit__name__startswith="周期活动测试工会").delete()
    Member.objects.filter(org_unit__name__startswith="周期活动测试工会").delete()
    OrgUnit.objects.filter(name__startswith="周期活动测试工会").delete()
    stamp = timezone.now().strftime("%H%M%S%f")
    unit = OrgUnitFactory(name=f"周期活动测试工会{stamp}")
    admin = User.objects.create_superuser(username=f"itw-admin-{stamp}", email="")
    runner = User.objects.create_user(username=f"itw-member-{stamp}", email=f"itw-{stamp}@example.org")
    member = MemberFactory(org_unit=unit, user=runner, gender="F")
    starts = timezone.localtime() + timedelta(seconds=seconds_ahead)
    services.schedule_create(
        actor=admin,
        org_unit=unit,
        title="职工健身",
        recurrence="weekly",
        weekday=starts.weekday(),
        start_time=starts.time().replace(microsecond=0),
        end_time=(starts + timedelta(hours=1)).time().replace(microsecond=0),
        starts_on=starts.date(),
        audience="members",
        audience_members=[member],
        audience_reminders="each",
    )
    occurrence_reminders_plan_task.delay()
    occurrence_reminders_plan_task.delay()


def weekly_status() -> dict:
    from activities.occurrences import UPCOMING

    reminders = Reminder.objects.filter(kind=UPCOMING)
    states = Counter(
        f"{c}:{s}" for c, s in Delivery.objects.filter(reminder__in=reminders).values_list("channel", "state")
    )
    return {
        "reminders": reminders.count(),
        "states": states,
        "notifications": Notification.objects.filter(kind=UPCOMING).count(),
        "early": Notification.objects.filter(kind=UPCOMING, created_at__lt=F("delivery__reminder__due_at")).count(),
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
    elif command == "weekly":
        weekly(float(sys.argv[2]))
    elif command == "weekly_status":
        print(json.dumps(weekly_status()))
    elif command == "sweep":
        from members.tasks import roster_jobs_requeue_task

        print(json.dumps(roster_jobs_requeue_task()))
    else:
        raise SystemExit(f"unknown command {command!r}")
