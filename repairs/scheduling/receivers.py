"""Receivers of the hub's domain signals for scheduling: a ticket that ends releases its privacy
number and its appointment's place. Receivers only enqueue django-q2 tasks with ids."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from tickets.models import Ticket
from tickets.signals import ticket_transitioned


@receiver(ticket_transitioned, dispatch_uid="scheduling.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, transition: str, to_state: str, **kwargs) -> None:
    from django_q.tasks import async_task

    if to_state in Ticket.CLOSED_STATES:
        async_task("repairs.scheduling.tasks.privacy_release_task", ticket_id,
                   task_name=f"privacy-release-{ticket_id}")
    if to_state == Ticket.Status.CANCELLED:
        async_task("repairs.scheduling.tasks.appointments_ended_task", ticket_id,
                   task_name=f"appointments-ended-{ticket_id}")


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: the reminder sweep must exist after every migrate / flush.
    from tickets.schedules import schedules_ensure

    schedules_ensure({"scheduling.sweep": {"func": "repairs.scheduling.tasks.appointments_sweep_task",
                                           "schedule_type": "I", "minutes": 5}})


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("repairs"), dispatch_uid="scheduling.schedules")
