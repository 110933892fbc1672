"""A technician does a whole job through the API alone (in-process; test_e2e.py runs the same
script against the running ASGI server)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from repairs.models import RepairOrder
from tests.api.flow import run_whole_job, setup_world
from tickets.models import Attachment, IdempotencyRecord, Ticket

pytestmark = pytest.mark.django_db


def api_call(method, path, *, json=None, files=None, data=None, token=None, headers=None):
    client = APIClient()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Token {token}"
    if files:
        from django.core.files.uploadedfile import SimpleUploadedFile

        payload = dict(data or {})
        for field, (name, content, content_type) in files.items():
            payload[field] = SimpleUploadedFile(name, content, content_type=content_type)
        response = getattr(client, method)(path, payload, format="multipart", **extra)
    elif json is not None or method == "post":
        response = getattr(client, method)(path, json or {}, format="json", **extra)
    else:
        response = getattr(client, method)(path, **extra)
    body = response.json() if response.content and response["Content-Type"].startswith("application/json") else None
    return response.status_code, body


def test_a_technician_does_a_whole_job_through_the_api():
    world = setup_world()
    result = run_whole_job(api_call, world)
    ticket = Ticket.objects.get(pk=world["ticket"].pk)
    assert ticket.status == Ticket.Status.RESOLVED
    order = RepairOrder.objects.get(ticket=ticket)
    assert order.status == RepairOrder.Status.PASSED
    assert order.fitted_parts.get().serial == "SCR-E2E-1"
    assert Attachment.objects.filter(ticket=ticket, kind="signature").count() == 2
    assert IdempotencyRecord.objects.filter(key__startswith="approve-").count() == 1
    assert result["quote"]["signer_name"] == "张三"
