"""The technician's live job socket: token auth, own jobs only, events relayed as they commit."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from knox.models import AuthToken

from config.routing import websocket_urlpatterns
from tickets import services

pytestmark = pytest.mark.django_db(transaction=True)
app = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings):
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer:
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"],
                                                                   "prefix": f"jobs-{uuid.uuid4().hex[:10]}"}}}


def test_technician_sees_the_customers_answer_live(technician, job):
    _instance, token = AuthToken.objects.create(technician.user)

    async def scenario():
        comm = WebsocketCommunicator(app, f"/ws/jobs/{job.pk}/?token={token}")
        connected, _ = await comm.connect()
        assert connected
        assert await comm.receive_json_from(timeout=5) == {"type": "hello", "job_id": job.pk}
        await sync_to_async(services.ticket_note_add)(ticket=job, by=None, message="客户已签字确认报价",
                                                      customer_visible=True)
        message = await comm.receive_json_from(timeout=5)
        assert message["type"] == "job.event"
        assert message["event"]["message"] == "客户已签字确认报价"
        await comm.disconnect()

    asyncio.run(scenario())


def test_bad_token_and_other_technicians_job_are_refused(technician, other_technician, job):
    _instance, other_token = AuthToken.objects.create(other_technician.user)

    async def scenario():
        for url in (f"/ws/jobs/{job.pk}/", f"/ws/jobs/{job.pk}/?token=nope",
                    f"/ws/jobs/{job.pk}/?token={other_token}"):
            comm = WebsocketCommunicator(app, url)
            connected, _code = await comm.connect()
            assert not connected, url

    asyncio.run(scenario())
