"""Celery tasks of plans. Thin: they call a service that can run twice without doing anything twice."""

from celery import shared_task

from .reminders import plan_reminders_topup


@shared_task
def plan_reminders_topup_task() -> int:
    """Daily: reminder rows for the coming 时限 periods and next month's digest (dedupe keys make a
    second run a no-op)."""
    return plan_reminders_topup()
