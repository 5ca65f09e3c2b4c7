import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")

app = Celery("union_office")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_field_keys(**kwargs: object) -> None:
    """A worker with a wrong FIELD_ENCRYPTION_KEYS refuses to start, like the web process.

    Celery logs and swallows a receiver's exception, so a refusal leaves by SystemExit."""
    import logging

    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()  # done already by Celery's Django fixup; cheap if so
    from union_office.crypto import check_keys

    try:
        check_keys()
    except ImproperlyConfigured as exc:
        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(1) from exc


# The fixed beat schedule. Reminders themselves are rows in our own tables (sent exactly once by
# a conditional update), so beat only has to wake the dispatchers; a missed tick loses nothing.
# django-celery-beat is not used: it does not accept Django 6.1, and we need no editable schedule.
# Times are CELERY_TIMEZONE (Asia/Shanghai).
app.conf.beat_schedule = {
    # Approved 会籍变动 dated ahead (a 退休 on the 1st of next month) are applied on their date. Hourly
    # rather than once at midnight: a worker that was down at 00:05 costs an hour, not a day; a run
    # with nothing due is one index scan. Idempotent (docs/membership.md "待生效").
    "membership-apply-due": {"task": "members.tasks.membership_apply_due_task", "schedule": crontab(minute=5)},
    # Roster exports older than 7 days and import uploads left unconfirmed for 2 days hold personal
    # data nobody needs: their files go (members/retention.py). At night, when nobody exports.
    "roster-retention-cleanup": {
        "task": "members.tasks.roster_retention_cleanup_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Plan reminders (时限 approaching/overdue, the digest on the 25th) are rows scheduled when a plan
    # is approved; this tops up the next period of recurring 时限 and next month's digest. Idempotent
    # (dedupe keys), so an extra or missed run costs nothing (docs/plans.md "Reminders").
    "plans-reminders-topup": {"task": "plans.tasks.plan_reminders_topup_task", "schedule": crontab(hour=6, minute=10)},
    # Background jobs (roster exports, import checks and commits, 提案汇编 PDFs) are rows; their
    # Celery message only wakes a worker. These send it again for rows that waited in vain: never
    # sent (Redis was down when the job was requested), lost (a Redis restart) or whose worker died
    # mid-run. Each row is won by a conditional update, so a late or doubled run sends nothing twice
    # (docs/reliability.md). Every minute: a job waits at most a few minutes after an outage.
    "roster-jobs-requeue": {
        "task": "members.tasks.roster_jobs_requeue_task",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "congress-compilations-requeue": {
        "task": "congress.tasks.compilation_requeue_task",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Recurring activities' occurrences are rows for a rolling 2 months; this inserts the missing
    # ones (ON CONFLICT DO NOTHING, so two beats insert each once). Hourly: a new week appears
    # within the hour, and a run with nothing to add reads one date list per activity.
    "activities-occurrences-materialise": {
        "task": "activities.tasks.occurrences_materialise_task",
        "schedule": crontab(minute=15),
    },
    # Plans the reminders of occurrences starting within 2 days (负责人, audience) and the month's
    # digests; each occurrence is claimed by a conditional update, so a doubled run plans nothing
    # twice (docs/activities.md). Every 5 minutes: an occurrence added today is still reminded.
    "activities-occurrence-reminders-plan": {
        "task": "activities.tasks.occurrence_reminders_plan_task",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # "reminders-dispatch-due": added by _reminders_schedule below, once the settings are loaded.
    # Apps add other periodic work here as they gain it (motion 催办, hardship re-checks).
}


@app.on_after_configure.connect
def _reminders_schedule(sender: Celery, **kwargs: object) -> None:
    # Not read at import: this module is imported by the union_office package, so while a
    # settings module that imports union_office.settings (bench/settings.py) is itself still
    # being imported; Celery loads its configuration, and sends this signal, on first use.
    interval = float(settings.REMINDERS_DISPATCH_INTERVAL)
    # Every reminder of every app (event reminders, plan deadlines, monthly digests) is a Delivery
    # row; this run sends the due ones, each exactly once (docs/notifications.md). Runs that
    # overlap split the rows (SKIP LOCKED); a tick that expires unrun loses nothing, the next
    # one finds the same rows, so the message expires rather than queueing up behind a dead worker.
    sender.conf.beat_schedule["reminders-dispatch-due"] = {
        "task": "union_office.tasks.reminders_dispatch_task",
        "schedule": interval,
        "options": {"expires": interval},
    }
