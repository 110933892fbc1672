"""HTTP under ASGI runs the synchronous middleware chain and the view in one handover from the event
loop, in the request's own thread, and still applies every middleware."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync

from config.asgi import application


def _get(path: str, *, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict] = []
    reads = 0

    async def receive():
        nonlocal reads
        reads += 1
        if reads == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client waits for its answer
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"Host": "testserver", **(headers or {})}.items()],
             "client": ("203.0.113.9", 50000), "server": ("testserver", 80)}
    asyncio.run(asyncio.wait_for(application(scope, receive, send), timeout=30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def handovers(monkeypatch):
    """The functions handed from the event loop to a thread during the test, with the thread each ran in."""
    calls: list[tuple[str, int]] = []
    original = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        name = getattr(self.func, "__qualname__", repr(self.func))

        def run(*a, **k):
            calls.append((name, threading.get_ident()))
            return inner(*a, **k)

        inner, self.func = self.func, run
        try:
            return await original(self, *args, **kwargs)
        finally:
            self.func = inner

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_page_is_one_handover_to_its_thread_for_middleware_and_view_together(handovers):
    status, headers, body = _get("/admin/login/", headers={"Accept-Language": "en"})
    assert status == 200
    # Middleware of the whole chain ran: security, CSP, clickjacking, locale, CSRF.
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in headers
    assert headers["content-language"] == "en"
    assert "csrftoken" in headers.get("set-cookie", "")
    assert b"Log in" in body or b"Username" in body
    # request_started's receivers, the middleware chain with the view, closing the response (which
    # sends request_finished): three handovers, where the async-mode chain took about fifteen.
    assert len(handovers) <= 3, handovers
    assert len({ident for _name, ident in handovers}) == 1  # all in the request's own thread
    assert threading.get_ident() not in {ident for _name, ident in handovers}


@pytest.mark.django_db(transaction=True)
def test_an_api_error_keeps_its_localized_shape_through_the_sync_chain(handovers):
    status, headers, body = _get("/api/v1/jobs/", headers={"Accept-Language": "zh-hans"})
    assert status == 401
    assert headers["content-type"].startswith("application/json")
    assert "身份" in body.decode() or "认证" in body.decode() or "登录" in body.decode()
    # Django logs an answer of 400 or more from a thread of its own, outside the request's.
    assert len([name for name, _ident in handovers if name != "log_response"]) <= 3, handovers
