"""django-q2 tasks of the outbox and webhooks: they take ids and tolerate missing rows."""

from __future__ import annotations


def outbox_deliver_task(message_id: int) -> str:
    from .services import outbox_deliver

    message = outbox_deliver(message_id=message_id)
    return message.status if message is not None else "missing"


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
