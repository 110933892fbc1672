"""Delivery backends of the outbox: console (default), Django e-mail, a generic HTTP gateway (SMS,
WeChat) and WeChat Official Account template messages.

Each backend's ``send(message) -> str`` returns the provider's message id, raises
``DeliveryError(retryable=..., maybe_sent=...)`` on failure, and passes the message's idempotency key
so a gateway can drop a repeated request. A backend whose provider can say whether it received a key
sets ``can_check_status`` and offers ``status(message) -> str | None`` (the provider id, or None when
the key is unknown to it); the outbox asks it after a worker died mid-send instead of resending.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from tickets.links import site_url, ticket_reply_address

logger = logging.getLogger("tickets.outbox")


class DeliveryError(Exception):
    """``maybe_sent``: the request may have reached the provider although no answer came back (a
    timeout), so the next attempt must ask before sending."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None, maybe_sent: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.maybe_sent = maybe_sent


def _timed_out(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, TimeoutError | socket.timeout)


class ConsoleBackend:
    """Logs the message; the outbox row is the record."""

    name = "console"

    def send(self, message) -> str:
        # One log line per message: an e-mail body spread over many lines made the worker's log
        # unreadable; the full text stays in the outbox row. The log masks phones and links; the
        # customer's name is masked because the filter is told it. A secret the gateway alone
        # receives (a one-time code) stays masked, as in the row.
        body = " ".join((getattr(message, "record_body", message.body) or "").split())
        names = (message.customer.name,) if message.customer_id and message.customer else ()
        logger.info("[%s → %s] %s %s", message.channel, message.to_address, message.subject,
                    body if len(body) <= 200 else body[:199] + "…", extra={"mask_names": names})
        return f"console-{message.idempotency_key}"


class DjangoEmailBackend:
    name = "email"

    def send(self, message) -> str:
        # A reply to a message about a ticket carries the ticket's reply token in the address it goes
        # back to: the proof the e-mail intake asks for before it adds the reply to that ticket.
        reply_to = [ticket_reply_address(message.ticket)] if message.ticket_id and message.customer_id else None
        email = EmailMessage(
            subject=message.subject or message.body[:40], body=message.body, to=[message.to_address],
            headers={"X-Idempotency-Key": message.idempotency_key}, reply_to=reply_to,
        )
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # SMTP errors are transient more often than not
            raise DeliveryError(str(exc), retryable=True) from exc
        return f"email-{message.idempotency_key}"


class HttpGatewayBackend:
    """POSTs ``{"to", "content", "subject", "channel", "idempotency_key"}`` as JSON with a bearer token
    and the ``Idempotency-Key`` header; the gateway answers a repeated key with the first result and
    does not deliver again.

    2xx is success (``id`` of the JSON answer becomes the provider id); 5xx, 429 and network errors
    are retried; other 4xx fail at once. ``GET <url>?idempotency_key=<key>`` asks for a key: 200 with
    ``{"id"}`` when the gateway has it, 404 when it never received it.
    """

    name = "http"
    can_check_status = True

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
            raise DeliveryError(str(exc), retryable=True, maybe_sent=_timed_out(exc)) from exc
        return self._provider_id(raw)

    @staticmethod
    def _provider_id(raw: bytes) -> str:
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return str(data.get("id") or data.get("message_id") or "") if isinstance(data, dict) else ""

    def status(self, message) -> str | None:
        query = urllib.parse.urlencode({"idempotency_key": message.idempotency_key})
        separator = "&" if "?" in self.url else "?"
        request = urllib.request.Request(f"{self.url}{separator}{query}", method="GET", headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise DeliveryError(f"HTTP {exc.code}", retryable=True, status=exc.code) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(str(exc), retryable=True) from exc
        return self._provider_id(raw) or message.idempotency_key


class WeChatTemplateBackend:
    """WeChat Official Account template messages (模板消息).

    Gets an ``access_token`` with the app id and secret (cached until shortly before it expires),
    then POSTs ``{"touser": openid, "template_id", "url", "data": {"first", "keyword1", "keyword2",
    "remark"}}`` to ``/cgi-bin/message/template/send``. The template id per event comes from
    ``WECHAT_TEMPLATE_IDS`` (``{"ticket.assigned": "…", "*": "…"}``); ``errcode`` 0 is success,
    -1 / 45009 (busy, rate limit) and an expired token (40001, 42001) are retried.
    """

    name = "wechat"
    RETRYABLE = {-1, 45009, 40001, 42001}

    def __init__(self, *, api_base: str, app_id: str, app_secret: str, template_ids: dict[str, str],
                 timeout: float = 10.0):
        self.api_base = api_base.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.template_ids = template_ids
        self.timeout = timeout

    def _get(self, url: str) -> dict:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"HTTP {exc.code}", retryable=exc.code >= 500, status=exc.code) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise DeliveryError(str(exc), retryable=True) from exc

    def access_token(self, *, refresh: bool = False) -> str:
        from django.core.cache import cache

        key = f"wechat-access-token:{self.app_id}"
        token = None if refresh else cache.get(key)
        if token:
            return token
        from urllib.parse import urlencode

        data = self._get(f"{self.api_base}/cgi-bin/token?" + urlencode(
            {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}))
        token = data.get("access_token")
        if not token:
            raise DeliveryError(f"token: {data.get('errcode')} {data.get('errmsg')}", retryable=True)
        cache.set(key, token, max(60, int(data.get("expires_in", 7200)) - 300))
        return token

    def send(self, message) -> str:
        template_id = self.template_ids.get(message.event) or self.template_ids.get("*")
        if not template_id:
            raise DeliveryError(f"no WeChat template for {message.event}", retryable=False)
        ticket = getattr(message, "ticket", None)
        link = site_url(ticket.get_tracking_url()) if ticket is not None else ""
        payload = {
            "touser": message.to_address, "template_id": template_id, "url": link,
            "data": {
                "first": {"value": message.subject or ""},
                "keyword1": {"value": ticket.number if ticket is not None else ""},
                "keyword2": {"value": message.body[:200]},
                "remark": {"value": ""},
            },
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in (1, 2):
            token = self.access_token(refresh=attempt == 2)
            request = urllib.request.Request(
                f"{self.api_base}/cgi-bin/message/template/send?access_token={token}", data=body, method="POST",
                headers={"Content-Type": "application/json; charset=utf-8"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data = json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as exc:
                raise DeliveryError(f"HTTP {exc.code}", retryable=exc.code >= 500, status=exc.code) from exc
            except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
                raise DeliveryError(str(exc), retryable=True) from exc
            code = int(data.get("errcode", 0))
            if code == 0:
                return str(data.get("msgid", ""))
            if code in (40001, 42001) and attempt == 1:
                continue  # the cached token expired early: fetch a new one once
            raise DeliveryError(f"WeChat {code}: {data.get('errmsg')}", retryable=code in self.RETRYABLE)
        raise DeliveryError("WeChat token refused twice", retryable=True)


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
        if kind == "template":
            return WeChatTemplateBackend(
                api_base=getattr(settings, "WECHAT_API_BASE", "https://api.weixin.qq.com"),
                app_id=settings.WECHAT_APP_ID, app_secret=settings.WECHAT_APP_SECRET,
                template_ids=settings.WECHAT_TEMPLATE_IDS)
    if kind == "http" and url:
        return HttpGatewayBackend(url, token)
    return ConsoleBackend()
