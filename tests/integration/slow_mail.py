"""A mail backend for the Celery integration test: every message takes a little while (like SMTP)
and leaves one line with its delivery id in CELERY_IT_MAIL_LOG, written through to disk before
the backend returns, so a worker killed mid-batch leaves an exact record of what went out."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["CELERY_IT_MAIL_LOG"]
        for message in email_messages:
            time.sleep(0.01)
            with open(path, "a", encoding="utf-8") as log:
                log.write(message.extra_headers["X-Union-Delivery"] + "\n")
                log.flush()
                os.fsync(log.fileno())
        return len(email_messages)
