"""Celery tasks of the kernel. Thin: they call a service."""

from celery import shared_task
from django.conf import settings

from .notifications.dispatch import reminders_dispatch_due


@shared_task(acks_late=True, ignore_result=True)
def reminders_dispatch_task() -> dict:
    """Beat, every REMINDERS_DISPATCH_INTERVAL seconds: send the due reminders.

    Safe to run twice at once or again after a worker died mid-run (docs/notifications.md). It
    stops after about two intervals' work so that a backlog is shared with the next ticks.
    """
    result = reminders_dispatch_due(time_budget=2 * settings.REMINDERS_DISPATCH_INTERVAL)
    return {"sent": result.sent, "skipped": result.skipped, "retried": result.retried, "review": result.review}
