"""/track/: lookup by number + last four digits and an SMS code, the same generic error, throttling,
invalid links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_cache(settings):
    """The counters in a cache of this test alone: with REDIS_URL under xdist every worker shares
    (and the suite's autouse fixture flushes) one Redis database, and ticket numbers repeat
    across the workers' databases."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "progress-track-tests"}}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"track": "3/min"}}
    from django.core.cache import cache

    cache.clear()


def _sent_code(ticket) -> str:
    import re

    from tickets.models import OutboxMessage
    from tickets.outbox.services import gateway_text

    # what the customer's phone receives: the row itself keeps the code masked
    body = gateway_text(OutboxMessage.objects.filter(ticket=ticket, event="otp.code").latest("created_at", "id"))
    return re.search(r"\d{6}", body).group(0)


def test_lookup_then_sms_code_leads_to_the_tokenized_page(client, ticket, own_cache):
    response = client.post("/track/", {"number": ticket.number.lower() + " ", "phone_last4": "1234"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****1234" in page
    assert ticket.tracking_token not in page  # number + four digits alone no longer open the page
    assert "id_otp_code" in page
    wrong = client.post("/track/", {"otp_code": "000000" if _sent_code(ticket) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    response = client.post("/track/", {"otp_code": _sent_code(ticket)})
    assert response.status_code == 302
    assert response["Location"] == f"/t/{ticket.tracking_token}/"


def test_a_code_without_a_lookup_opens_nothing(client, ticket, own_cache):
    response = client.post("/track/", {"otp_code": "123456"})
    assert response.status_code == 200
    assert ticket.tracking_token not in response.content.decode()


def test_wrong_digits_and_unknown_number_look_the_same(client, ticket, own_cache):
    wrong_digits = client.post("/track/", {"number": ticket.number, "phone_last4": "9999"})
    unknown = client.post("/track/", {"number": "SR20990101-000001", "phone_last4": "1234"})
    malformed = client.post("/track/", {"number": "", "phone_last4": "12"})
    bodies = []
    for response in (wrong_digits, unknown, malformed):
        assert response.status_code == 200
        text = response.content.decode()
        assert "工单号或手机号后四位不正确" in text
        bodies.append(text.split('id="track-error">')[1].split("<")[0])
    assert len(set(bodies)) == 1


def test_throttled_per_ip(client, ticket, own_cache):
    for n in range(3):
        assert client.post("/track/", {"number": f"SR20990101-00000{n}", "phone_last4": "0000"}).status_code == 200
    blocked = client.post("/track/", {"number": ticket.number, "phone_last4": "1234"})
    assert blocked.status_code == 429
    assert "查询过于频繁" in blocked.content.decode()


def test_throttled_per_ticket_across_ips(client, ticket, own_cache):
    for n in range(3):
        response = client.post("/track/", {"number": ticket.number, "phone_last4": f"000{n}"},
                               REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 200
    blocked = client.post("/track/", {"number": ticket.number, "phone_last4": "1234"}, REMOTE_ADDR="10.0.0.99")
    assert blocked.status_code == 429
    other = client.post("/track/", {"number": "SR20990101-000009", "phone_last4": "1234"},
                        REMOTE_ADDR="10.0.0.98")
    assert other.status_code == 200


def test_unknown_token_shows_a_clear_404_page(client):
    response = client.get("/t/not-a-real-token-aaaaaaaaaaaa/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "找不到该工单" in text
    assert 'href="/track/"' in text


def test_expired_token_shows_the_expired_page(client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=timezone.now() - dt.timedelta(days=400))
    response = client.get(f"/t/{ticket.tracking_token}/")
    assert response.status_code == 404
    assert "已过期" in response.content.decode()


def test_track_page_renders(client):
    response = client.get("/track/")
    assert response.status_code == 200
    assert "查询维修进度" in response.content.decode()


def test_behind_our_proxy_each_customer_has_their_own_limit(client, settings, own_cache):
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(3):
        response = client.post("/track/", {"number": f"SR20990101-00000{n}", "phone_last4": "0000"},
                               HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
        assert response.status_code == 200
    blocked = client.post("/track/", {"number": "SR20990101-000005", "phone_last4": "0000"},
                          HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert blocked.status_code == 429
    # Another customer behind the same proxy is not blocked by the first one's guesses.
    other = client.post("/track/", {"number": "SR20990101-000006", "phone_last4": "0000"},
                        HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert other.status_code == 200
