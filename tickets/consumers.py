"""The customer's live progress page: connect with the tracking token, join the ticket's group and
relay what ``tickets.realtime.broadcast_ticket_event`` sends. No writes here."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .progress.selectors import ticket_id_for_token
from .realtime import LayerFailSafeMixin, ticket_group

#: Close code for an unknown or expired token (4000–4999 are for applications).
CLOSE_UNKNOWN_TOKEN = 4404


class TicketProgressConsumer(LayerFailSafeMixin, AsyncJsonWebsocketConsumer):
    """``/ws/t/<token>/``: the token is the customer's credential, as on the page itself."""

    group: str | None = None

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        ticket_id = await database_sync_to_async(ticket_id_for_token)(token=token)
        if ticket_id is None:
            await self.close(code=CLOSE_UNKNOWN_TOKEN)
            return
        self.group = ticket_group(ticket_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "ticket_id": ticket_id})

    async def disconnect(self, code: int) -> None:
        try:
            if self.group:
                await self.channel_layer.group_discard(self.group, self.channel_name)
        finally:
            self.group = None

    async def receive_json(self, content, **kwargs) -> None:
        # the page only listens; a ping keeps proxies from closing an idle socket
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def ticket_event(self, message: dict) -> None:
        payload = message.get("payload") or {}
        event = payload.get("event") or {}
        if not event.get("customer_visible"):
            return
        await self.send_json({"type": "ticket.event", "status": payload.get("status"),
                              "status_label": payload.get("status_label"), "event": event})
