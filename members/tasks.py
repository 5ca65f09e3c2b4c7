"""Celery tasks of the members app. Thin: they take primary keys and call a service.

Each can run twice (acks_late redelivers a task whose worker died) without doing the work twice:
the services claim their RosterImport row with a conditional update or a row lock first.
"""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from .exports import roster_export_requeue, roster_export_run
from .imports import RosterImportError, roster_import_commit, roster_import_requeue, roster_import_validate
from .membership import membership_apply_due
from .retention import roster_retention_cleanup

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def roster_export_task(export_id: int) -> None:
    # Thin on purpose: the service claims the row (QUEUED → RUNNING), so a redelivered message
    # does nothing twice.
    roster_export_run(export_id=export_id)


@shared_task(acks_late=True)
def roster_import_validate_task(import_id: int) -> None:
    """The dry run of an uploaded 花名册; a second run finds the import no longer QUEUED."""
    roster_import_validate(import_id=import_id)


@shared_task(acks_late=True)
def roster_import_commit_task(import_id: int, actor_id: int) -> None:
    """Write a confirmed 花名册; a second run finds it DONE (or waits for the first, then does)."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        roster_import_commit(actor=actor, import_id=import_id)
    except RosterImportError as exc:
        # Already imported, or no longer allowed: the import's page shows its state.
        logger.info("roster import %s not committed: %s", import_id, exc.messages[0])


@shared_task(acks_late=True)
def membership_apply_due_task() -> int:
    """Beat, hourly: apply the approved 会籍变动 whose date has come (待生效 → 已批准).

    Two runs at once (a slow run overlapping the next tick, or a redelivery) split the work: the
    service locks each member with SKIP LOCKED and re-reads the change under the lock.
    """
    return membership_apply_due()


@shared_task(acks_late=True)
def roster_retention_cleanup_task() -> dict[str, int]:
    """Beat, daily: delete roster exports and abandoned import uploads past their retention."""
    result = roster_retention_cleanup()
    return {
        "exports_deleted": len(result.exports_deleted),
        "imports_expired": len(result.imports_expired),
        "orphan_files_deleted": len(result.orphan_files_deleted),
    }


@shared_task(acks_late=True, ignore_result=True)
def roster_jobs_requeue_task() -> dict[str, list[int]]:
    """Beat, every minute: send again the exports, checks and commits whose message was never sent
    (broker down), was lost (a Redis restart) or whose worker died (docs/reliability.md)."""
    return {"exports": roster_export_requeue(), "imports": roster_import_requeue()}
