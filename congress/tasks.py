"""Celery tasks of the congress app; thin, they call a service that claims its row."""

from celery import shared_task

from .services.compilations import compilation_requeue, compilation_run


@shared_task(acks_late=True)
def compilation_task(job_id: int) -> None:
    compilation_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def compilation_requeue_task() -> list[int]:
    """Beat, every minute: send again the 提案汇编 jobs whose message was never sent (broker down),
    was lost, or whose worker died mid-run (docs/reliability.md)."""
    return compilation_requeue()
