"""Receivers of the hub's signals for intake (connected by TicketsConfig.ready via import_receivers).

Both run after commit: triage of every new ticket, and the price range / preliminary warranty
once a ticket has a category (automatic or an agent's triage).
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tickets.signals import ticket_created, ticket_transitioned

logger = logging.getLogger("tickets.intake")


def _register_templates() -> None:
    """Default outbox texts of the intake's customer-visible events (editable in the outbox admin)."""
    try:
        from tickets.outbox.templates import register_default
    except ImportError:  # the outbox feature is optional for intake
        return
    for channel in ("sms", "wechat", "email"):
        register_default(
            "ticket.duplicate_report", channel=channel,
            zh_subject="工单 {{ ticket.number }}：已合并您的报修",
            zh_body="【售后服务】您对同一设备的报修已合并到处理中的工单 {{ ticket.number }}，无需重复提交。"
                    "进度：{{ tracking_url }}",
            en_subject="Ticket {{ ticket.number }}: report merged",
            en_body="[After-sales] Your new report for the same device was added to open ticket "
                    "{{ ticket.number }}; no need to submit again. Progress: {{ tracking_url }}",
        )


_register_templates()


@receiver(ticket_created, dispatch_uid="intake.triage_on_created")
def triage_on_created(sender, ticket_id: int, **kwargs) -> None:
    from .services import triage_run

    try:
        triage_run(ticket_id=ticket_id)
    except Exception:  # a failed triage leaves the ticket new, in the queue; never lose the intake
        logger.exception("triage failed for ticket %s", ticket_id)
        raise


@receiver(ticket_transitioned, dispatch_uid="intake.estimate_on_triaged")
def estimate_on_triaged(sender, ticket_id: int, transition: str, **kwargs) -> None:
    if transition not in ("triage", "reopen"):
        return
    from .estimate import estimate_refresh

    try:
        estimate_refresh(ticket_id=ticket_id)
    except Exception:
        logger.exception("estimate failed for ticket %s", ticket_id)
        raise
