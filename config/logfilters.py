"""Logging filters of the settings' LOGGING (importable before the apps are loaded)."""

from __future__ import annotations

import logging


class NotAQueuedTaskLine(logging.Filter):
    """On the "django-q" logger: drops the line django-q2 writes for every queued task (two per ticket
    created through the intake, on the web processes' log and at the cost of the request); the
    cluster's own lines (start, stop, task failures) stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Enqueued ", "Pushed "))
