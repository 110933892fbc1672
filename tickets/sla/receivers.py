"""Receivers of the hub's signals (after commit) that drive the SLA clock."""

from __future__ import annotations

from django.dispatch import receiver

from tickets.signals import ticket_created, ticket_transitioned


@receiver(ticket_created, dispatch_uid="sla.ticket_created")
def on_ticket_created(sender, ticket_id: int, **kwargs) -> None:
    from .services import sla_clock_start

    sla_clock_start(ticket_id=ticket_id)


@receiver(ticket_transitioned, dispatch_uid="sla.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, transition: str, from_state: str, to_state: str,
                           **kwargs) -> None:
    from .services import sla_on_transition

    sla_on_transition(ticket_id=ticket_id, transition=transition, from_state=from_state, to_state=to_state)
