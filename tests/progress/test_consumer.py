"""The WebSocket consumer: token → group, relays customer-visible events, rejects bad tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from tickets import services
from tickets.models import Ticket
from tickets.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings):
    """With REDIS_URL every xdist worker shares one Redis, and ticket ids (hence group names) repeat
    across the workers' databases: give each test its own channel-layer prefix."""
    import uuid

    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer:
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"],
                                                                   "prefix": f"progress-{uuid.uuid4().hex[:10]}"}}}


def _run(coro):
    import asyncio

    return asyncio.run(coro)


def test_relays_committed_customer_visible_events(ticket, tech):
    async def scenario():
        comm = WebsocketCommunicator(app, f"/ws/t/{ticket.tracking_token}/")
        connected, _ = await comm.connect()
        assert connected
        hello = await comm.receive_json_from(timeout=5)
        assert hello == {"type": "hello", "ticket_id": ticket.pk}
        # the ticket may already have been triaged (and dispatched) by receivers of ticket_created
        await sync_to_async(ticket.refresh_from_db)()
        await sync_to_async(services.ticket_cancel)(ticket=ticket, by=None, reason="客户取消")
        message = await comm.receive_json_from(timeout=5)
        assert message["type"] == "ticket.event"
        assert message["status"] == "cancelled"
        assert message["event"]["kind"] == "ticket.cancelled"
        # an internal note is not pushed; the next visible event is
        await sync_to_async(services.ticket_note_add)(ticket=ticket, by=None, message="内部", customer_visible=False)
        await sync_to_async(services.ticket_note_add)(ticket=ticket, by=None, message="已收到您的设备",
                                                      customer_visible=True)
        message = await comm.receive_json_from(timeout=5)
        assert message["event"]["message"] == "已收到您的设备"
        assert await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()

    _run(scenario())


def test_rolled_back_change_is_not_pushed(ticket):
    from django.db import transaction

    def change_then_roll_back():
        with transaction.atomic():
            services.ticket_note_add(ticket=ticket, by=None, message="不会发生", customer_visible=True)
            transaction.set_rollback(True)

    async def scenario():
        comm = WebsocketCommunicator(app, f"/ws/t/{ticket.tracking_token}/")
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=5)
        await sync_to_async(change_then_roll_back)()
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    _run(scenario())


@pytest.mark.parametrize("path", ["/ws/t/unknown-token-aaaaaaaaaaaa/"])
def test_unknown_token_is_rejected(db, path):
    async def scenario():
        comm = WebsocketCommunicator(app, path)
        connected, code = await comm.connect()
        assert not connected
        assert code == 4404

    _run(scenario())


def test_expired_token_is_rejected(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=timezone.now() - dt.timedelta(days=365))

    async def scenario():
        comm = WebsocketCommunicator(app, f"/ws/t/{ticket.tracking_token}/")
        connected, code = await comm.connect()
        assert not connected
        assert code == 4404

    _run(scenario())
