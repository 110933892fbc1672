"""Receivers of the hub's domain signals (sent after commit): surveys and auto-close follow resolution.

A receiver only enqueues a django-q2 task with the ticket id; the task reads the ticket when it runs
and does nothing if the ticket has gone or moved on.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from tickets.intake.taxonomy import COMPLAINT
from tickets.signals import ticket_categorized, ticket_transitioned


@receiver(ticket_transitioned, dispatch_uid="surveys.ticket_transitioned")
def on_ticket_transitioned(sender, ticket_id: int, to_state: str, **kwargs) -> None:
    from django_q.tasks import async_task

    if to_state == "resolved":
        async_task("surveys.tasks.ticket_resolved_task", ticket_id, task_name=f"survey-resolved-{ticket_id}")
    elif to_state in ("reopened", "closed", "cancelled"):
        async_task("surveys.tasks.ticket_autoclose_cancel_task", ticket_id,
                   task_name=f"survey-autoclose-cancel-{ticket_id}")


@receiver(ticket_categorized, dispatch_uid="surveys.ticket_categorized")
def on_ticket_categorized(sender, ticket_id: int, category_code: str, **kwargs) -> None:
    """A complaint about the service enters the same follow-up flow as a complaint in a survey."""
    from django_q.tasks import async_task

    if category_code == COMPLAINT:
        async_task("surveys.tasks.complaint_follow_up_task", ticket_id, task_name=f"survey-complaint-{ticket_id}")


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: the hourly sweep must exist after every migrate / flush.
    from tickets.schedules import schedules_ensure

    schedules_ensure({"surveys.sweep": {"func": "surveys.tasks.surveys_sweep_task", "schedule_type": "H"}})


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("surveys"), dispatch_uid="surveys.schedules")
