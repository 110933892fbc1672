"""Outbound webhooks: signed JSON to integration endpoints, delivered asynchronously with retries.

Signature: header ``X-Webhook-Timestamp`` (Unix seconds) and ``X-Webhook-Signature: sha256=<hex>``
where hex is HMAC-SHA256 of ``"<timestamp>.<raw body>"`` with the endpoint's secret. Receivers should
reject stale timestamps and compare with ``hmac.compare_digest``; ``X-Webhook-Id`` is the delivery's
UUID, stable across retries, for deduplication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tickets.models import DeliveryStatus, Ticket, WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=2)
TIMEOUT = 10.0

logger = logging.getLogger("tickets.outbox")


def webhook_sign(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_verify(*, secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """What a receiver does: check the timestamp window and the signature in constant time."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(webhook_sign(secret=secret, timestamp=ts, body=body), signature or "")


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff: 1, 2, 4, 8 … minutes, capped at six hours."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk, "uuid": str(ticket.uuid), "number": ticket.number, "status": ticket.status,
        "channel": ticket.channel, "priority": ticket.priority,
        "fault_category": ticket.fault_category.code if ticket.fault_category_id else None,
        "service_center": ticket.service_center_id, "technician": ticket.technician_id,
        "created_at": ticket.created_at, "due_resolution_at": ticket.due_resolution_at,
    }


def webhook_enqueue(*, event: str, ticket: Ticket, data: dict, key: str) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to ``event``; idempotent by ``key`` per endpoint.
    The rows are written in the caller's transaction, with the change they report (one INSERT, so
    no savepoint of its own); they are sent by django-q2 after commit (and by the sweep if that task
    is lost)."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in (e.events or [])]
    if not endpoints:
        return []
    payload = json.loads(json.dumps({"event": event, "ticket": ticket_payload(ticket), "data": data,
                                     "occurred_at": timezone.now()}, cls=DjangoJSONEncoder))
    rows = [WebhookDelivery(idempotency_key=f"{key}:e{e.pk}"[:160], endpoint=e, event=event, ticket=ticket,
                            payload=payload) for e in endpoints]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    deliveries = list(WebhookDelivery.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]))
    ids = [d.pk for d in deliveries if d.status == DeliveryStatus.PENDING and d.attempts == 0]
    if ids:
        from tickets.lifecycle import after_commit

        after_commit(_deliver_async, ids)
    return deliveries


def _deliver_async(ids: list[int]) -> None:
    """Queue the delivery of committed rows. Never raises: with the queue down (Redis) the rows stay
    due and the periodic sweep sends them, and an exception here would also stop the other
    after-commit callbacks of the same transaction."""
    from django_q.tasks import async_task

    for delivery_id in ids:
        try:
            async_task("tickets.outbox.tasks.webhook_deliver_task", delivery_id, task_name=f"webhook-{delivery_id}")
        except Exception as exc:
            logger.warning("could not queue webhook %s (%s); the sweep will deliver it", delivery_id, exc)


def _due() -> Q:
    now = timezone.now()
    return (Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now))


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one due delivery (claimed first with a conditional UPDATE) and log the attempt: 2xx marks
    it sent; anything else schedules a retry with backoff until MAX_ATTEMPTS, then fails it."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(_due(), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_until=now + LEASE)
    if not claimed:
        return WebhookDelivery.objects.filter(pk=delivery_id).first()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "shouhou-webhooks/1",
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Id": str(delivery.uuid),
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": webhook_sign(secret=endpoint.secret, timestamp=timestamp, body=body),
    })
    status, text, error = None, "", ""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, text = response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text, error = exc.code, exc.read(2000).decode("utf-8", "replace"), f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = str(exc)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    entry = {"attempt": delivery.attempts, "at": now.isoformat(), "status": status, "error": error[:300],
             "ms": elapsed_ms}
    if ok:
        fields = {"status": DeliveryStatus.SENT, "delivered_at": timezone.now(), "last_error": ""}
    else:
        final = delivery.attempts >= MAX_ATTEMPTS
        fields = {"status": DeliveryStatus.FAILED if final else DeliveryStatus.RETRY,
                  "next_attempt_at": now + retry_delay(delivery.attempts), "last_error": error or text[:300]}
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        response_status=status, response_body=text[:2000], claimed_until=None,
        log=[*delivery.log, entry][-20:], **fields)
    delivery.refresh_from_db()
    return delivery


def webhook_sweep(*, limit: int = 200) -> dict[str, int]:
    """Deliver every due webhook (first attempts whose task was lost, retries, expired claims)."""
    ids = list(WebhookDelivery.objects.filter(_due()).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    sent = 0
    for delivery_id in ids:
        delivery = webhook_deliver(delivery_id=delivery_id)
        sent += int(delivery is not None and delivery.status == DeliveryStatus.SENT)
    return {"due": len(ids), "sent": sent}


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, by=None) -> WebhookDelivery:
    """Staff action: send a failed delivery again (same id and payload)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.RETRY, next_attempt_at=timezone.now(), attempts=0)
    from tickets.lifecycle import after_commit

    after_commit(_deliver_async, [delivery.pk])
    delivery.refresh_from_db()
    return delivery
