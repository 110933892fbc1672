"""The request-body ceiling, enforced before the body is read.

Where an upload waits before our code sees it: Daphne (Twisted) receives the whole body into a
temporary file before it calls the ASGI application, and Django's ASGI handler then copies it into
another spooled temporary file before any middleware or view runs. So a view that checks
``Content-Length`` answers 413 only after the upload has arrived. Hence three gates, all from the
same ceiling:

* ``install_daphne_body_limit`` (installed by config/asgi.py): in Daphne, as soon as the headers are
  parsed, a declared ``Content-Length`` over the ceiling is answered 413 and the connection closed,
  without a "100 Continue" (a client that asked for one never sends the body); a chunked body is
  cut off when it passes the ceiling;
* ``BodyLimitMiddleware`` around Django's ASGI app does the same for any other ASGI server;
* ``RequestBodyLimitMiddleware`` applies the rule to WSGI deployments, where Django reads lazily.

The ceiling is ``REQUEST_MAX_BODY_BYTES``: one video of the largest allowed size plus the form
around it. Several files in one request share it, so a request's total upload is bounded too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger("config.body_limit")

FORM_OVERHEAD = 1024 * 1024


def max_body_bytes() -> int:
    configured = getattr(settings, "REQUEST_MAX_BODY_BYTES", None)
    if configured:
        return int(configured)
    return max(settings.ATTACHMENT_MAX_VIDEO_BYTES, settings.ATTACHMENT_MAX_IMAGE_BYTES) + FORM_OVERHEAD


def _message(limit: int) -> str:
    return _("上传内容过大（单次最多 %(mb)d MB），请减少文件数量或压缩视频后重试。") % {"mb": max(limit // 2**20, 1)}


def too_large_body(path: str, limit: int) -> tuple[str, bytes]:
    """(content type, body) of the 413 answer: the API's error shape under /api/, a page otherwise."""
    message = _message(limit)
    if path.startswith("/api/"):
        return "application/json", json.dumps(
            {"code": "request_too_large", "message": message, "extra": {"max_bytes": limit}}, ensure_ascii=False,
        ).encode()
    page = (f'<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{escape(_("上传内容过大"))}</title>'
            f"<p>{escape(message)}</p></html>")
    return "text/html; charset=utf-8", page.encode()


class RequestBodyLimitMiddleware:
    """Django middleware: 413 from ``Content-Length`` before the body is parsed (WSGI, test client)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_body_bytes()
        if length > limit:
            content_type, body = too_large_body(request.path, limit)
            if content_type.startswith("application/json"):
                return JsonResponse(json.loads(body), status=413)
            return HttpResponse(body, content_type=content_type, status=413)
        return self.get_response(request)


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimitMiddleware:
    """ASGI middleware around Django's HTTP app; see the module docstring."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_body_bytes()
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            logger.info("refused %s %s: Content-Length %s over %s", scope.get("method"), scope.get("path"),
                        declared, limit)
            await _send_too_large(scope, send, limit)
            return
        received = 0
        cut_off = False
        started = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal received, cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True  # Django stops reading at a disconnect and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if cut_off and not started:
            logger.info("refused %s %s: body over %s bytes", scope.get("method"), scope.get("path"), limit)
            await _send_too_large(scope, send, limit)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(scope: dict[str, Any], send: Send, limit: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        content_type, body = too_large_body(scope.get("path", ""), limit)
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})


class _Discard:
    """Stands in for Twisted's body file of a refused request: what still arrives is dropped."""

    closed = False

    def write(self, data: bytes) -> None:
        pass

    def read(self, *args: Any) -> bytes:
        return b""

    def seek(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _refuse_in_twisted(request: Any, limit: int) -> None:
    request.content = _Discard()
    request._body_refused = True
    raw_path = getattr(request.channel, "_path", b"") or b""
    path = raw_path.decode("latin-1").split("?", 1)[0]
    with translation.override(settings.LANGUAGE_CODE):
        content_type, body = too_large_body(path, limit)
    head = (f"HTTP/1.1 413 Payload Too Large\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    transport = request.channel.transport
    transport.write(head + body)
    transport.loseConnection()
    logger.info("refused %s: body over %s bytes", path, limit)


def install_daphne_body_limit() -> None:
    """Make Daphne refuse an oversized body from its headers (see the module docstring)."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # another ASGI server: BodyLimitMiddleware still applies
        return
    if getattr(WebRequest, "_body_limit_installed", False):
        return
    got_length = WebRequest.gotLength
    handle_chunk = WebRequest.handleContentChunk

    def gotLength(self: Any, length: int | None) -> None:  # noqa: N802 (Twisted's name)
        limit = max_body_bytes()
        if length is not None and length > limit:
            # Twisted answers "Expect: 100-continue" right after this call: no invitation to send.
            self.requestHeaders.removeHeader(b"expect")
            _refuse_in_twisted(self, limit)
            return
        got_length(self, length)

    def handleContentChunk(self: Any, data: bytes) -> None:  # noqa: N802
        if getattr(self, "_body_refused", False):
            return
        self._body_received = getattr(self, "_body_received", 0) + len(data)
        limit = max_body_bytes()
        if self._body_received > limit:
            _refuse_in_twisted(self, limit)
            return
        handle_chunk(self, data)

    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest._body_limit_installed = True
