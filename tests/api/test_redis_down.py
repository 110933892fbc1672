"""Redis down: the production configuration of cache and channel layer (config/settings/base.py with
REDIS_URL set) pointed at a port where nothing listens. Pages, the technicians' API and the
sockets keep working or close cleanly, and the outage is logged."""

from __future__ import annotations

import asyncio
import importlib
import logging

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from knox.models import AuthToken

from config import routing
from tickets.models import Ticket
from tickets.realtime import CLOSE_LIVE_UNAVAILABLE

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:6390/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    import config.settings.base as base

    monkeypatch.setenv("REDIS_URL", DEAD_REDIS)
    configured = importlib.reload(base)
    settings.CACHES = configured.CACHES
    settings.CHANNEL_LAYERS = configured.CHANNEL_LAYERS
    monkeypatch.delenv("REDIS_URL")
    yield
    importlib.reload(base)


def test_the_technicians_api_keeps_working_and_the_outage_is_logged(redis_down, tech_client, job, caplog,
                                                                     django_capture_on_commit_callbacks):
    caplog.set_level(logging.WARNING)
    assert tech_client.get("/api/v1/jobs/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the live push fails quietly too
        response = tech_client.post(f"/api/v1/jobs/{job.pk}/start/", {}, format="json")
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.status == Ticket.Status.IN_PROGRESS
    assert "Redis cache unreachable" in caplog.text


def test_login_keeps_working(redis_down, technician, anon_client):
    technician.user.set_password("pw-123456-x")
    technician.user.save()
    response = anon_client.post("/api/v1/auth/login/", {"username": technician.user.username,
                                                          "password": "pw-123456-x"}, format="json")
    assert response.status_code == 200, response.content


def test_the_progress_page_and_its_polled_state_keep_working(redis_down, client, job):
    page = client.get(f"/t/{job.tracking_token}/")
    assert page.status_code == 200
    state = client.get(f"/t/{job.tracking_token}/state.json")
    assert state.status_code == 200
    assert state.json()["status"] == job.status


def test_track_keeps_working_and_still_counts_attempts(redis_down, client, job, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["track"].split("/")[0])
    data = {"number": job.number, "phone_last4": job.customer.phone[-4:]}
    first = client.post("/track/", data)
    assert first.status_code == 200
    assert "id_otp_code" in first.content.decode()  # the SMS code step
    for _ in range(limit - 1):
        client.post("/track/", {**data, "phone_last4": "0000"})
    assert client.post("/track/", data).status_code == 429  # counted in process memory meanwhile


def test_throttling_fails_open_when_its_cache_raises(settings, tech_client, job, caplog):
    """Whatever cache is configured: a throttle that cannot count lets the request through."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": DEAD_REDIS}}
    caplog.set_level(logging.WARNING)
    assert tech_client.get("/api/v1/jobs/").status_code == 200
    assert "could not reach its cache" in caplog.text


def test_the_cache_uses_redis_again_once_it_is_back(settings):
    import config.cache as failsoft

    settings.CACHES = {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": DEAD_REDIS}}
    cache.set("k", "v")
    assert cache.get("k") == "v"  # from process memory
    assert not cache.redis_available
    cache._shared.down_until = 0.0
    assert cache.redis_available
    assert failsoft.RETRY_SECONDS > 0


def _ws(path: str):
    async def scenario():
        comm = WebsocketCommunicator(URLRouter(routing.websocket_urlpatterns), path)
        connected, code = await comm.connect(timeout=5)
        if connected:
            closed = await comm.receive_output(timeout=5)
            code = closed.get("code")
        await comm.wait(timeout=5)
        return connected, code

    return asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_sockets_close_cleanly_when_the_channel_layer_is_down(redis_down, job, technician, caplog):
    caplog.set_level(logging.WARNING)
    _instance, token = AuthToken.objects.create(user=technician.user)
    for path in (f"/ws/t/{job.tracking_token}/", f"/ws/jobs/{job.pk}/?token={token}"):
        connected, code = _ws(path)
        assert not connected or code == CLOSE_LIVE_UNAVAILABLE
    assert "live updates unavailable" in caplog.text
