"""Receivers of the hub's domain signals for dispatch.

The signals are sent after commit; a receiver only enqueues a django-q2 task with ids, so no
customer request waits for candidate scoring, and the task reads the ticket as it is when it runs.
"""

from __future__ import annotations

from django.dispatch import receiver

from tickets.models import Ticket
from tickets.signals import ticket_transitioned


@receiver(ticket_transitioned, dispatch_uid="dispatch.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, transition: str, to_state: str, actor_id=None,
                           **kwargs) -> None:
    from django_q.tasks import async_task

    if to_state in Ticket.CLOSED_STATES:
        async_task("repairs.dispatch.tasks.assignments_finish_task", ticket_id,
                   task_name=f"assignments-finish-{ticket_id}")
    elif transition == "triage":
        async_task("repairs.dispatch.tasks.dispatch_after_triage_task", ticket_id, actor_id,
                   task_name=f"dispatch-auto-{ticket_id}")
