"""Logging filters of the kernel (settings.LOGGING)."""

import logging


class ExpectedClientErrors(logging.Filter):
    """Keep the one-line "Not Found: /x" / "Forbidden: /x" of a 4xx, without its traceback.

    A 403 or 404 is the access policy doing its job (an outsider gets 404), not a fault: Django logs
    it with the exception attached, which printed a traceback on the console for every such page.
    5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
