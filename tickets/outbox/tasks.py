"""django-q2 tasks of the outbox and webhooks: they take ids and tolerate missing rows."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def outbox_deliver_task(message_id: int) -> str:
    from .services import outbox_deliver

    message = outbox_deliver(message_id=message_id)
    return message.status if message is not None else "missing"


def outbox_deliver_many_task(message_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of messages one after the other (the SLA sweep's, queued a few dozen per task).
    A message that raises is left due, for the outbox sweep to retry, and the rest are still sent."""
    from .services import outbox_deliver

    statuses: dict[str, int] = {}
    for message_id in message_ids:
        try:
            message = outbox_deliver(message_id=message_id)
        except Exception:
            logger.exception("delivery of outbox %s failed; the outbox sweep will retry it", message_id)
            status = "error"
        else:
            status = message.status if message is not None else "missing"
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def outbox_sweep_task() -> dict:
    from .services import outbox_sweep

    return outbox_sweep()


def webhook_deliver_task(delivery_id: int) -> str:
    from .webhooks import webhook_deliver

    delivery = webhook_deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"


def webhook_sweep_task() -> dict:
    from .webhooks import webhook_sweep

    return webhook_sweep()
