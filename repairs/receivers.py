"""Receivers of the hub's domain signals (connected at import by ``RepairsConfig.ready``).

On ``ticket_created`` and on triage (the fault category is now known) the price range and the 三包
preview are computed and stored on the ticket through ``tickets.services.ticket_estimate_update``.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tickets.signals import ticket_created, ticket_transitioned

logger = logging.getLogger(__name__)


@receiver(ticket_created, dispatch_uid="repairs.estimate_on_created")
def estimate_on_created(sender, ticket_id: int, **kwargs) -> None:
    from .services.pricing import ticket_estimate_refresh

    ticket_estimate_refresh(ticket_id=ticket_id)


@receiver(ticket_transitioned, dispatch_uid="repairs.estimate_on_triaged")
def estimate_on_triaged(sender, ticket_id: int, transition: str, **kwargs) -> None:
    if transition not in ("triage", "reopen"):
        return
    from .services.pricing import ticket_estimate_refresh

    ticket_estimate_refresh(ticket_id=ticket_id)
