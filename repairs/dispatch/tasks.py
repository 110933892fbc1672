"""django-q2 entry points of dispatch. Tasks take ids and tolerate a ticket that has gone or moved on."""

from __future__ import annotations

import logging

from tickets.exceptions import DomainError
from tickets.models import Ticket

logger = logging.getLogger("repairs.dispatch")


def dispatch_after_triage_task(ticket_id: int, actor_id: int | None = None) -> int | None:
    """Auto-dispatch a freshly triaged ticket when the rules allow it; returns the assignment id."""
    from .services import dispatch_auto, dispatch_should_auto

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.TRIAGED:
        return None
    if not dispatch_should_auto(ticket=ticket, actor_id=actor_id):
        return None
    try:
        assignment = dispatch_auto(ticket=ticket, by=None)
    except DomainError as exc:  # assigned or cancelled meanwhile: the ticket has moved on
        logger.info("auto-dispatch of ticket %s skipped: %s", ticket_id, exc)
        return None
    return assignment.pk if assignment is not None else None


def assignments_finish_task(ticket_id: int) -> int:
    """Free the technicians' capacity held by a ticket that was resolved, closed or cancelled."""
    from .services import assignments_finish

    return assignments_finish(ticket_id=ticket_id)
