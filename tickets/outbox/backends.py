"""Delivery backends of the outbox: console (default), Django e-mail, and a generic HTTP gateway.

Each backend's ``send(message) -> str`` returns the provider's message id, raises
``DeliveryError(retryable=...)`` on failure, and passes the message's idempotency key so a gateway
can drop a repeated request.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

logger = logging.getLogger("tickets.outbox")


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class ConsoleBackend:
    """Logs the message; the outbox row is the record."""

    name = "console"

    def send(self, message) -> str:
        logger.info("[%s → %s] %s %s", message.channel, message.to_address, message.subject, message.body)
        return f"console-{message.idempotency_key}"


class DjangoEmailBackend:
    name = "email"

    def send(self, message) -> str:
        email = EmailMessage(
            subject=message.subject or message.body[:40], body=message.body, to=[message.to_address],
            headers={"X-Idempotency-Key": message.idempotency_key},
        )
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # SMTP errors are transient more often than not
            raise DeliveryError(str(exc), retryable=True) from exc
        return f"email-{message.idempotency_key}"


class HttpGatewayBackend:
    """POSTs ``{"to", "content", "subject", "channel", "idempotency_key"}`` as JSON with a bearer token.

    2xx is success (``id`` of the JSON answer becomes the provider id); 5xx, 429 and network errors
    are retried; other 4xx fail at once.
    """

    name = "http"

    def __init__(self, url: str, token: str = "", timeout: float = 10.0):
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, message) -> str:
        body = json.dumps({
            "to": message.to_address, "content": message.body, "subject": message.subject,
            "channel": message.channel, "idempotency_key": message.idempotency_key,
        }, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": message.idempotency_key,
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code >= 500 or exc.code == 429
            raise DeliveryError(f"HTTP {exc.code}: {exc.read()[:300]!r}", retryable=retryable, status=exc.code) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(str(exc), retryable=True) from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return str(data.get("id") or data.get("message_id") or "")


def backend_for(channel: str):
    """The configured backend of a channel (settings SMS_BACKEND / WECHAT_BACKEND: console | http)."""
    if channel == "email":
        return DjangoEmailBackend()
    if channel == "sms":
        kind, url, token = settings.SMS_BACKEND, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN
    else:
        kind = getattr(settings, "WECHAT_BACKEND", "console")
        url = getattr(settings, "WECHAT_GATEWAY_URL", "")
        token = getattr(settings, "WECHAT_GATEWAY_TOKEN", "")
    if kind == "http" and url:
        return HttpGatewayBackend(url, token)
    return ConsoleBackend()
