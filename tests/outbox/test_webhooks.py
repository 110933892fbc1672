"""Outbound webhooks against a real local HTTP server: HMAC-SHA256 signature, async delivery through
django-q2 (sync in tests), retries with backoff and the delivery log."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tickets.models import WebhookDelivery, WebhookEndpoint
from tickets.outbox.webhooks import (
    webhook_deliver,
    webhook_redeliver,
    webhook_sign,
    webhook_sweep,
    webhook_verify,
)
from tickets.services import ticket_triage

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(http_server):
    return WebhookEndpoint.objects.create(name="CRM", url=http_server.url, secret="s3cret",
                                          events=["ticket.created", "ticket.state_changed"])


def test_ticket_created_is_delivered_signed(endpoint, http_server, django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.TicketFactory()
    created = [r for r in http_server.requests if r["headers"]["X-Webhook-Event"] == "ticket.created"]
    assert len(created) == 1
    req = created[0]
    assert webhook_verify(secret="s3cret", timestamp=req["headers"]["X-Webhook-Timestamp"], body=req["body"],
                          signature=req["headers"]["X-Webhook-Signature"])
    assert not webhook_verify(secret="wrong", timestamp=req["headers"]["X-Webhook-Timestamp"], body=req["body"],
                              signature=req["headers"]["X-Webhook-Signature"])
    body = http_server.json(http_server.requests.index(req))
    assert body["event"] == "ticket.created"
    assert body["ticket"]["number"] == ticket.number
    delivery = WebhookDelivery.objects.get(event="ticket.created")
    assert delivery.status == "sent"
    assert delivery.response_status == 200
    assert delivery.log[0]["status"] == 200
    assert req["headers"]["X-Webhook-Id"] == str(delivery.uuid)


def test_state_change_delivered_and_unsubscribed_endpoint_skipped(http_server, django_capture_on_commit_callbacks,
                                                                  settings):
    settings.DISPATCH_AUTO = False
    WebhookEndpoint.objects.create(name="only-created", url=http_server.url, events=["ticket.created"])
    WebhookEndpoint.objects.create(name="off", url=http_server.url, events=["ticket.state_changed"],
                                   is_active=False)
    subscribed = WebhookEndpoint.objects.create(name="changes", url=http_server.url,
                                                events=["ticket.state_changed"])
    ticket = factories.TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=None, fault_category=factories.FaultCategoryFactory())
    changes = WebhookDelivery.objects.filter(event="ticket.state_changed")
    assert [d.endpoint for d in changes] == [subscribed]
    assert changes[0].payload["data"] == {"transition": "triage", "from_state": "new", "to_state": "triaged"}


def test_failure_is_retried_with_backoff_and_logged(endpoint, http_server, django_capture_on_commit_callbacks,
                                                    settings):
    settings.DISPATCH_AUTO = False
    http_server.statuses = [500]
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        factories.TicketFactory()
    delivery = WebhookDelivery.objects.get(event="ticket.created")
    assert delivery.status == "retry"
    assert delivery.response_status == 500
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert webhook_sweep()["due"] == 0
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert webhook_sweep() == {"due": 1, "sent": 1}
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [entry["status"] for entry in delivery.log] == [500, 200]
    # The same delivery id both times, so the receiver can deduplicate.
    ids = {r["headers"]["X-Webhook-Id"] for r in http_server.requests
           if r["headers"]["X-Webhook-Event"] == "ticket.created"}
    assert ids == {str(delivery.uuid)}


def test_gives_up_after_max_attempts_and_staff_can_redeliver(endpoint, http_server):
    from tickets.outbox import webhooks

    ticket = factories.TicketFactory()
    [delivery] = webhooks.webhook_enqueue(event="ticket.created", ticket=ticket, data={}, key="manual")
    http_server.statuses = [500] * webhooks.MAX_ATTEMPTS
    for _ in range(webhooks.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        delivery = webhook_deliver(delivery_id=delivery.pk)
    assert delivery.status == "failed"
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    webhook_redeliver(delivery=delivery)
    webhook_sweep()
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_signature_format():
    sig = webhook_sign(secret="k", timestamp=1700000000, body=b'{"a":1}')
    assert sig.startswith("sha256=")
    assert len(sig) == len("sha256=") + 64
