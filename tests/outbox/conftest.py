from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class Recorder:
    """A real HTTP server on 127.0.0.1 that records requests and answers with queued statuses.

    It speaks the SMS gateway's protocol: a POST whose ``Idempotency-Key`` was already accepted
    gets the first answer and is not delivered again, and ``GET ?idempotency_key=<key>`` answers
    200 with the message id for an accepted key, 404 for an unknown one. ``delivered`` lists the
    keys in the order they reached "the customer"."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.status_queries: list[str] = []
        self.accepted: dict[str, str] = {}
        self.delivered: list[str] = []
        # When set, an accepted message is answered only once this event is set (a slow gateway
        # answer during which the sending worker can be killed).
        self.hold: threading.Event | None = None
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key") or ""
                with recorder.lock:
                    recorder.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = recorder.statuses.pop(0) if recorder.statuses else 200
                    n = len(recorder.requests)
                    if status < 300 and key and key in recorder.accepted:
                        provider_id = recorder.accepted[key]
                    elif status < 300:
                        provider_id = f"gw-{n}"
                        if key:
                            recorder.accepted[key] = provider_id
                        recorder.delivered.append(key)
                if recorder.hold is not None:
                    recorder.hold.wait(timeout=30)
                self._answer(status, {"id": provider_id} if status < 300 else {"error": "boom"})

            def do_GET(self):  # noqa: N802
                query = parse_qs(urlsplit(self.path).query)
                key = (query.get("idempotency_key") or [""])[0]
                with recorder.lock:
                    recorder.status_queries.append(key)
                    provider_id = recorder.accepted.get(key)
                if provider_id is None:
                    self._answer(404, {"error": "unknown key"})
                else:
                    self._answer(200, {"id": provider_id, "status": "delivered"})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, i: int) -> dict:
        return json.loads(self.requests[i]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server():
    recorder = Recorder()
    yield recorder
    recorder.close()
