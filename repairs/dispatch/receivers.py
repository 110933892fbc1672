"""Receivers of the hub's signals (after commit) for dispatch."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tickets.signals import ticket_transitioned

logger = logging.getLogger("repairs.dispatch")


@receiver(ticket_transitioned, dispatch_uid="dispatch.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, transition: str, to_state: str, actor_id=None,
                           **kwargs) -> None:
    from tickets.models import Ticket

    from .services import assignments_finish, dispatch_auto, dispatch_should_auto

    if to_state in Ticket.CLOSED_STATES:
        assignments_finish(ticket_id=ticket_id)
        return
    if transition != "triage":
        return
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.TRIAGED:
        return
    if dispatch_should_auto(ticket=ticket, actor_id=actor_id):
        dispatch_auto(ticket=ticket, by=None)
