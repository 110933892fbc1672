"""A technician's live job socket stops the moment its API token dies."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.routing import websocket_urlpatterns
from tests.api.conftest import make_job
from tickets import services

pytestmark = pytest.mark.django_db(transaction=True)
app = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings):
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer:
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"],
                                                                   "prefix": f"revoke-{uuid.uuid4().hex[:10]}"}}}


def _api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


async def _open(job, token):
    comm = WebsocketCommunicator(app, f"/ws/jobs/{job.pk}/?token={token}")
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    return comm


async def _closed(comm) -> int:
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output.get("code")


def test_logout_all_closes_every_socket_of_the_user(technician):
    job = make_job(technician)
    _i, phone = AuthToken.objects.create(technician.user)
    _i, tablet = AuthToken.objects.create(technician.user)

    async def scenario():
        first, second = await _open(job, phone), await _open(job, tablet)
        response = await sync_to_async(_api(phone).post)("/api/v1/auth/logout-all/")
        assert response.status_code == 204
        assert await _closed(first) == 4401
        assert await _closed(second) == 4401

    asyncio.run(scenario())


def test_logout_closes_only_that_devices_socket(technician):
    job = make_job(technician)
    _i, phone = AuthToken.objects.create(technician.user)
    _i, tablet = AuthToken.objects.create(technician.user)

    async def scenario():
        on_phone, on_tablet = await _open(job, phone), await _open(job, tablet)
        assert (await sync_to_async(_api(phone).post)("/api/v1/auth/logout/")).status_code == 204
        assert await _closed(on_phone) == 4401
        await on_tablet.send_json_to({"type": "ping"})
        assert await on_tablet.receive_json_from(timeout=5) == {"type": "pong"}
        await on_tablet.disconnect()

    asyncio.run(scenario())


def test_a_token_revoked_elsewhere_streams_no_further_event(technician):
    job = make_job(technician)
    instance, token = AuthToken.objects.create(technician.user)

    async def scenario():
        comm = await _open(job, token)
        # revoked without a logout call (an administrator deleted it): the next event is not relayed
        await sync_to_async(instance.delete)()
        await sync_to_async(services.ticket_note_add)(ticket=job, by=None, message="客户地址：某小区 3 栋",
                                                      customer_visible=True)
        assert await _closed(comm) == 4401

    asyncio.run(scenario())
