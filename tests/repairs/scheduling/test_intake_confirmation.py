"""The visit window booked at intake is confirmed where the customer or the integration reads the
answer: the /submit/ confirmation page and the intake API response (date, two-hour window, centre)."""

from __future__ import annotations

import pytest

from repairs.scheduling.models import Appointment
from tests.intake.conftest import taxonomy  # noqa: F401 - the shipped taxonomy and classifier
from tests.progress.test_journey import CITY, IMEI, _world
from tickets.models import Ticket

from .conftest import at

pytestmark = pytest.mark.django_db

FORM = {"name": "王小明", "phone": "139 0000 1234", "description": "手机摔了一下屏幕碎了，触摸失灵", "serial": IMEI,
        "service_mode": "on_site", "city": CITY, "district": "徐汇区", "address": "漕溪北路 88 号"}


def test_the_confirmation_page_shows_the_booked_window_and_centre(client, taxonomy, now,  # noqa: F811
                                                                  django_capture_on_commit_callbacks):
    world = _world(taxonomy)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", {**FORM, "product_model": world["model"].pk, "idempotency_key": "c-1",
                                            "appointment": "2026-12-03T13:00"})
    assert response.status_code == 302, response.content[:500]
    assert Appointment.objects.get().start == at(3, 13)
    page = client.get(response["Location"]).content.decode()
    assert '<strong id="visit-day">12月3日 周四</strong>' in page
    assert '<strong id="visit-hours">13:00-15:00</strong>' in page
    assert "上海徐汇服务中心" in page
    assert "我们会尽快联系您" not in page


def test_without_a_window_the_page_says_the_centre_will_call(client, taxonomy, now,  # noqa: F811
                                                             django_capture_on_commit_callbacks):
    world = _world(taxonomy)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", {**FORM, "product_model": world["model"].pk, "idempotency_key": "c-2"})
    page = client.get(response["Location"]).content.decode()
    assert 'id="visit-window"' not in page
    assert "我们会尽快联系您" in page


def test_the_intake_api_answers_with_the_window_and_a_retry_with_its_centre(client, taxonomy, now,  # noqa: F811
                                                                            django_capture_on_commit_callbacks):
    from tickets.models import IntakeChannelKey

    world = _world(taxonomy)
    _key, secret = IntakeChannelKey.objects.create_key(name="app", channel="app")
    body = {**FORM, "phone": "13900001234", "product_model": world["model"].code,
            "appointment_start": "2026-12-03T15:00:00+08:00"}
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {secret}", "HTTP_IDEMPOTENCY_KEY": "order-77"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/intake/v1/tickets/", body, content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    first = response.json()["appointment"]
    # routed to a centre in a worker after the answer: the window is told, the centre follows
    assert first["pending"] is True
    assert (first["date"], first["hours"], first["window"]) == ("2026-12-03", "15:00-17:00", "12月3日15-17点")
    assert first["start"] == "2026-12-03T15:00:00+08:00"
    assert first["center"] is None

    ticket = Ticket.objects.get(number=response.json()["number"])
    assert Appointment.objects.get(ticket=ticket).start == at(3, 15)
    response = client.post("/api/intake/v1/tickets/", body, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    again = response.json()["appointment"]
    assert again["booked"] is True
    assert again["day"] == "12月3日 周四"
    assert again["hours"] == "15:00-17:00"
    assert again["center"]["name"] == "上海徐汇服务中心"
    assert Appointment.objects.filter(ticket=ticket).count() == 1
