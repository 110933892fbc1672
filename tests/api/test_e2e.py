"""A technician does a whole job through the API alone, against the running ASGI server (daphne)."""

from __future__ import annotations

import httpx
import pytest

from repairs.models import RepairOrder
from tests.api.flow import run_whole_job, setup_world
from tests.live import live_server
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def http_caller(client: httpx.Client):
    def call(method, path, *, json=None, files=None, data=None, token=None, headers=None):
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Token {token}"
        if method == "post" and files is None and json is None:
            json = {}
        response = client.request(method.upper(), path, json=json, files=files, data=data, headers=sent)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return response.status_code, response.json() if response.content and is_json else None

    return call


def test_a_technician_does_a_whole_job_against_the_running_server(tmp_path):
    world = setup_world()
    with live_server(env={"MEDIA_ROOT": str(tmp_path / "media")}) as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        docs = client.get("/api/docs/")
        assert docs.status_code == 200
        schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
        assert schema.status_code == 200
        run_whole_job(http_caller(client), world)
    ticket = Ticket.objects.get(pk=world["ticket"].pk)
    assert ticket.status == Ticket.Status.RESOLVED
    assert RepairOrder.objects.get(ticket=ticket).status == RepairOrder.Status.PASSED
