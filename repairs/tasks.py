"""django-q2 tasks of the workshop (scheduled by migration 0005_delay_watch_schedule)."""

from __future__ import annotations


def repairs_watch_delays() -> int:
    """Raise the 30/60/90-day exchange triggers to the center managers before they fire."""
    from .services import repair_delay_watch

    return repair_delay_watch()
