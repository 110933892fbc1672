"""The one broadcast helper for ticket changes.

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
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: Close code when the channel layer (Redis) is unreachable: the page polls its state instead.
CLOSE_LIVE_UNAVAILABLE = 4503


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
    except (TimeoutError, RedisError, OSError) as exc:  # Redis down: the pages poll meanwhile
        logger.warning("broadcast to ticket %s failed: channel layer unavailable (%s)", ticket_id, exc)
    except Exception:  # the change is committed; a lost push is recovered by the page's re-sync
        logger.exception("broadcast to ticket %s failed", ticket_id)


class LayerFailSafeMixin:
    """For relay consumers: when the channel layer fails (Redis down), close the socket with
    ``CLOSE_LIVE_UNAVAILABLE`` (or refuse the handshake) and log one line, instead of crashing the
    connection with a traceback. The pages and the app then poll their state until a reconnect
    succeeds; nothing is lost because every state is re-fetched after a reconnect."""

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
        except (TimeoutError, RedisError, OSError) as exc:
            logger.warning("live updates unavailable on %s: channel layer failed (%s)", scope.get("path"), exc)
            await send({"type": "websocket.close", "code": CLOSE_LIVE_UNAVAILABLE})
