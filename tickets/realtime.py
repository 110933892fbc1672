"""The one broadcast helper for ticket changes (STYLE R9).

Services register ``broadcast_ticket_event`` with ``transaction.on_commit``; consumers only relay.
Payloads are small JSON-safe dicts built before commit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

logger = logging.getLogger(__name__)


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def broadcast_ticket_event(ticket_id: int, payload: dict[str, Any]) -> None:
    """Send ``payload`` to everyone watching the ticket. Never raises: a push is best effort,
    the page re-fetches the state on reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "ticket.event", "payload": json.loads(json.dumps(payload, cls=DjangoJSONEncoder))}
    try:
        async_to_sync(layer.group_send)(ticket_group(ticket_id), message)
    except Exception:  # the change is committed; a lost push is recovered by the page's re-sync
        logger.exception("broadcast to ticket %s failed", ticket_id)
