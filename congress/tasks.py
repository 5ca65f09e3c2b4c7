"""Celery tasks of the congress app; thin, they call a service that claims its row."""

from celery import shared_task

from .services.compilations import compilation_run


@shared_task(acks_late=True)
def compilation_task(job_id: int) -> None:
    compilation_run(job_id=job_id)
