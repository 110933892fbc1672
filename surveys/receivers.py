"""Receivers of the hub's signals (sent after commit): surveys and auto-close follow resolution."""

from __future__ import annotations

from django.dispatch import receiver

from tickets.signals import ticket_transitioned


@receiver(ticket_transitioned, dispatch_uid="surveys.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, to_state: str, **kwargs) -> None:
    from . import services

    if to_state == "resolved":
        services.ticket_resolved_handle(ticket_id=ticket_id)
    elif to_state in ("reopened", "closed", "cancelled"):
        services.ticket_autoclose_cancel(ticket_id=ticket_id)
