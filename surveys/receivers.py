"""Receivers of the hub's signals (sent after commit): surveys and auto-close follow resolution."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from tickets.signals import ticket_transitioned


@receiver(ticket_transitioned, dispatch_uid="surveys.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, to_state: str, **kwargs) -> None:
    from . import services

    if to_state == "resolved":
        services.ticket_resolved_handle(ticket_id=ticket_id)
    elif to_state in ("reopened", "closed", "cancelled"):
        services.ticket_autoclose_cancel(ticket_id=ticket_id)


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: the hourly sweep must exist after every migrate / flush.
    from tickets.schedules import schedules_ensure

    schedules_ensure({"surveys.sweep": {"func": "surveys.tasks.surveys_sweep_task", "schedule_type": "H"}})


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("surveys"), dispatch_uid="surveys.schedules")
