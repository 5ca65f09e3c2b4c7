"""Celery tasks of activities. Thin: they call activities/occurrences.py, which is idempotent."""

from celery import shared_task

from .occurrences import materialise_all, plan_due_reminders


@shared_task(acks_late=True, ignore_result=True)
def occurrences_materialise_task() -> int:
    """Beat, hourly: every recurring activity's occurrences exist as rows for the next 2 months."""
    return materialise_all()


@shared_task(acks_late=True, ignore_result=True)
def occurrence_reminders_plan_task() -> int:
    """Beat, every 5 minutes: plan the reminders of occurrences starting within 2 days, and the
    month's digests. Two runs at once plan each occurrence once (a conditional update claims it)."""
    return plan_due_reminders()
