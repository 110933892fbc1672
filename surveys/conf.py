"""Tunables of surveys and complaints, read from settings with the defaults a service company uses.

``SURVEY_EXPIRY_DAYS`` and ``TICKET_AUTO_CLOSE_DAYS`` are defined in config/settings; the others may
be added there (or in the environment-driven settings) to override these defaults.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def expiry() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "SURVEY_EXPIRY_DAYS", 14))


def reminder_delay() -> dt.timedelta:
    """When the one reminder goes out: after SURVEY_REMINDER_AFTER_DAYS (3), but always before expiry."""
    days = getattr(settings, "SURVEY_REMINDER_AFTER_DAYS", 3)
    return min(dt.timedelta(days=days), expiry() / 2)


def auto_close_after() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "TICKET_AUTO_CLOSE_DAYS", 7))


def follow_up_sla() -> dt.timedelta:
    """How long the center manager has to call back a dissatisfied customer."""
    return dt.timedelta(hours=getattr(settings, "SURVEY_FOLLOW_UP_SLA_HOURS", 24))


def alert_threshold() -> int:
    """Complaints within the window that raise a training alert for a technician."""
    return getattr(settings, "SURVEY_COMPLAINT_ALERT_THRESHOLD", 3)


def alert_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "SURVEY_COMPLAINT_ALERT_DAYS", 30))
