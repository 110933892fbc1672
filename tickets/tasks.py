"""django-q2 entry points of the hub that take ids; tasks tolerate missing rows."""

from __future__ import annotations

import datetime as dt

#: A ticket created with ``deferred=True`` whose worker step has not run after this long lost its task
#: (the broker was down at commit): the sweep runs the step for it.
AFTER_CREATE_GRACE = dt.timedelta(minutes=2)


def data_job_task(job_id: int) -> None:
    """Run an import check, an import or an export in the background."""
    from .importing.jobs import data_job_run

    data_job_run(job_id=job_id)


def data_job_files_purge_task() -> dict[str, int]:
    """Delete the files of import and export jobs past their retention (daily schedule)."""
    from .importing.retention import data_job_files_purge

    return data_job_files_purge()


def ticket_after_create_task(ticket_id: int) -> None:
    """The reactions an answering-first intake left for a worker (``lifecycle.after_create_deferred``)."""
    from .lifecycle import after_create_deferred

    after_create_deferred(ticket_id=ticket_id)


def ticket_after_create_sweep_task(limit: int = 200) -> int:
    """Run the deferred reactions of tickets whose task never reached the queue; returns how many."""
    from django.utils import timezone

    from .lifecycle import after_create_deferred
    from .selectors import tickets_awaiting_after_create

    ids = tickets_awaiting_after_create(before=timezone.now() - AFTER_CREATE_GRACE, limit=limit)
    for ticket_id in ids:
        after_create_deferred(ticket_id=ticket_id)
    return len(ids)
