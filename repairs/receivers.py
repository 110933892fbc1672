"""Receivers of the hub's domain signals (connected at import by ``RepairsConfig.ready``).

On ``ticket_created`` and on triage (the fault category is now known) the price range and the 三包
preview are computed and stored on the ticket through ``tickets.services.ticket_estimate_update``.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db.models.signals import post_migrate
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


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: the hourly delay watcher must exist after every migrate / flush.
    from tickets.schedules import schedules_ensure

    schedules_ensure({"repairs.watch_delays": {"func": "repairs.tasks.repairs_watch_delays", "schedule_type": "H"}})


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("repairs"), dispatch_uid="repairs.schedules")
