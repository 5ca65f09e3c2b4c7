"""Celery task of the roster export; members/tasks.py imports it so Celery's autodiscovery finds it."""

from celery import shared_task

from .exports import roster_export_run


@shared_task(acks_late=True)
def roster_export_task(export_id: int) -> None:
    # Thin on purpose: the service claims the row (QUEUED → RUNNING), so a redelivered message
    # does nothing twice.
    roster_export_run(export_id=export_id)
