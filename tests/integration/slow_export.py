"""The Celery app for the export kill test: union_office's, with every roster row written slowly
(IT_EXPORT_ROW_DELAY seconds) and the progress saved every 10 rows, so that a small export is
still running when the test kills its worker.

    celery -A tests.integration.slow_export worker --pool=solo -Q default,bulk
"""

import os
import time

from celery.signals import worker_ready

from union_office.celery import app

__all__ = ["app"]


@worker_ready.connect
def _slow_rows(**kwargs: object) -> None:
    from members import exports

    delay = float(os.environ.get("IT_EXPORT_ROW_DELAY", "0.02"))
    rows = exports._roster_rows

    def slow_rows(*args, **kwargs):
        for row in rows(*args, **kwargs):
            time.sleep(delay)
            yield row

    exports._roster_rows = slow_rows
    exports.PROGRESS_EVERY = 10
