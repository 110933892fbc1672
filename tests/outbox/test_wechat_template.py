"""WeChat Official Account template messages against a real local HTTP server shaped like the API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories
from tickets.outbox.services import outbox_deliver, outbox_enqueue

pytestmark = pytest.mark.django_db


class FakeWeChatApi:
    """Token endpoint + template send endpoint; the first token can be made to expire at once."""

    def __init__(self, *, expire_first_token: bool = False):
        self.sent: list[dict] = []
        self.tokens_issued = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                query = parse_qs(urlsplit(self.path).query)
                assert query["appid"] == ["wx-app"]
                api.tokens_issued += 1
                self._reply({"access_token": f"tok-{api.tokens_issued}", "expires_in": 7200})

            def do_POST(self):  # noqa: N802
                token = parse_qs(urlsplit(self.path).query)["access_token"][0]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if expire_first_token and token == "tok-1":
                    self._reply({"errcode": 42001, "errmsg": "access_token expired"})
                    return
                api.sent.append(body)
                self._reply({"errcode": 0, "errmsg": "ok", "msgid": 200228332})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def wechat(settings):
    def make(**kwargs):
        api = FakeWeChatApi(**kwargs)
        settings.WECHAT_BACKEND = "template"
        settings.WECHAT_API_BASE = api.base
        settings.WECHAT_APP_ID = "wx-app"
        settings.WECHAT_APP_SECRET = "secret"
        settings.WECHAT_TEMPLATE_IDS = {"*": "TPL-STATUS"}
        made.append(api)
        return api

    made: list[FakeWeChatApi] = []
    yield make
    for api in made:
        api.close()


def _message():
    customer = factories.CustomerFactory(wechat_openid="oWX-9")
    ticket = factories.TicketFactory(customer=customer)
    [msg] = outbox_enqueue(event="ticket.ready", customer=customer, ticket=ticket, context={}, channels=["wechat"])
    return ticket, msg


def test_template_message_is_sent_with_openid_template_and_link(wechat):
    api = wechat()
    ticket, msg = _message()
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "sent"
    assert msg.provider_id == "200228332"
    [sent] = api.sent
    assert sent["touser"] == "oWX-9"
    assert sent["template_id"] == "TPL-STATUS"
    assert sent["url"].endswith(ticket.get_tracking_url())
    assert sent["data"]["keyword1"]["value"] == ticket.number


def test_expired_token_is_refreshed_once(wechat):
    api = wechat(expire_first_token=True)
    _ticket, msg = _message()
    assert outbox_deliver(message_id=msg.pk).status == "sent"
    assert api.tokens_issued == 2


def test_missing_template_fails_without_retry(wechat, settings):
    wechat()
    settings.WECHAT_TEMPLATE_IDS = {"ticket.created": "TPL-1"}
    _ticket, msg = _message()
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "failed"
    assert "template" in msg.last_error
