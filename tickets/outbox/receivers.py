"""Receivers of the hub's signals (after commit): outbox messages and webhooks for ticket changes."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tickets.signals import ticket_created, ticket_transitioned

logger = logging.getLogger("tickets.outbox")


@receiver(ticket_created, dispatch_uid="outbox.ticket_created")
def on_ticket_created(sender, ticket_id: int, **kwargs) -> None:
    from tickets.models import Ticket

    from .services import outbox_collect_events
    from .webhooks import webhook_enqueue

    outbox_collect_events(ticket_id=ticket_id)
    ticket = Ticket.objects.select_related("fault_category").filter(pk=ticket_id).first()
    if ticket is not None:
        webhook_enqueue(event="ticket.created", ticket=ticket, data={}, key=f"ticket.created:{ticket_id}")


@receiver(ticket_transitioned, dispatch_uid="outbox.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, transition: str, from_state: str, to_state: str,
                           **kwargs) -> None:
    from tickets.models import Ticket, TicketEvent

    from .services import outbox_collect_events
    from .webhooks import webhook_enqueue

    outbox_collect_events(ticket_id=ticket_id)
    ticket = Ticket.objects.select_related("fault_category").filter(pk=ticket_id).first()
    if ticket is None:
        return
    event_id = (TicketEvent.objects.filter(ticket_id=ticket_id, from_state=from_state, to_state=to_state)
                .order_by("-pk").values_list("pk", flat=True).first())
    webhook_enqueue(
        event="ticket.state_changed", ticket=ticket,
        data={"transition": transition, "from_state": from_state, "to_state": to_state},
        key=f"ticket.state_changed:{ticket_id}:{event_id or transition}",
    )
