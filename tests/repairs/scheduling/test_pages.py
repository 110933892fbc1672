"""The customer picks a window on /submit/ or later on the progress page, moves or cancels it by the
link; the intake API books one too; the dispatcher books for a customer on the phone in the admin."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from repairs.scheduling.models import Appointment, AppointmentSlot
from repairs.scheduling.services import appointment_book
from tests.intake.conftest import taxonomy  # noqa: F401 - the shipped taxonomy and classifier
from tests.progress.test_journey import CITY, IMEI, _world
from tickets.models import OutboxMessage, Ticket

from .conftest import at, make_ticket

pytestmark = pytest.mark.django_db


def _page(client, ticket) -> str:
    response = client.get(ticket.get_tracking_url())
    assert response.status_code == 200
    return response.content.decode()


def test_progress_page_offers_booking_then_shows_the_window(client, ticket, tech):
    page = _page(client, ticket)
    assert 'id="appointment-book"' in page
    url = reverse("repairs:appointment", kwargs={"token": ticket.tracking_token})
    form = client.get(url).content.decode()
    assert 'value="2026-12-03T13:00"' in form
    assert "2026-12-05" not in form  # Saturday: no windows
    response = client.post(url, {"action": "book", "start": "2026-12-03T13:00"})
    assert response.status_code == 302
    page = _page(client, ticket)
    assert '<strong id="appointment-window">12月3日13-15点</strong>' in page
    assert "改约或取消" in page


def test_a_full_window_shows_a_clear_error_and_books_nothing(client, center, screen, ticket, tech):
    appointment_book(ticket=make_ticket(center, screen), start=at(3, 13))
    url = reverse("repairs:appointment", kwargs={"token": ticket.tracking_token})
    assert "已约满" in client.get(url).content.decode()
    response = client.post(url, {"action": "book", "start": "2026-12-03T13:00"})
    assert response.status_code == 400
    assert "已约满" in response.content.decode()
    assert not Appointment.objects.filter(ticket=ticket).exists()


def test_cancel_by_link_and_no_change_within_two_hours(client, ticket, tech):
    url = reverse("repairs:appointment", kwargs={"token": ticket.tracking_token})
    appointment_book(ticket=ticket, start=at(3, 9))
    with time_machine.travel(at(3, 7, 30), tick=False):
        page = _page(client, ticket)
        assert "距上门不足 2 小时" in page
        response = client.post(url, {"action": "cancel"})
        assert response.status_code == 400
        assert Appointment.objects.get(ticket=ticket).status == Appointment.Status.BOOKED
    response = client.post(url, {"action": "cancel"})
    assert response.status_code == 302
    assert Appointment.objects.get(ticket=ticket).status == Appointment.Status.CANCELLED
    assert AppointmentSlot.objects.get().booked == 0


def test_unknown_link_is_404(client, db):
    assert client.get(reverse("repairs:appointment", kwargs={"token": "nope"})).status_code == 404


def test_dispatcher_books_for_a_customer_on_the_phone(client, dispatcher, ticket, tech):
    client.force_login(dispatcher)
    lookup = client.get(reverse("admin:repairs_appointment_add"), {"number": ticket.number})
    assert lookup.status_code == 302
    page = client.get(lookup["Location"])
    assert page.status_code == 200
    assert "2026-12-03T09:00" in page.content.decode()
    response = client.post(lookup["Location"], {"start": "2026-12-03T09:00"})
    assert response.status_code == 302
    appointment = Appointment.objects.get(ticket=ticket)
    assert appointment.source == Appointment.Source.DISPATCHER
    assert appointment.booked_by == dispatcher
    changelist = client.get(reverse("admin:repairs_appointment_changelist"))
    assert changelist.status_code == 200
    assert ticket.number in changelist.content.decode()


def test_customer_picks_a_window_on_submit_and_hears_it_with_the_engineer(client, taxonomy, settings,  # noqa: F811
                                                                        django_capture_on_commit_callbacks, now):
    settings.SITE_URL = "https://fw.example.cn"
    world = _world(taxonomy)
    form = client.get("/submit/").content.decode()
    assert 'name="appointment"' in form
    assert 'value="2026-12-03T13:00"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", {
            "name": "王小明", "phone": "139 0000 1234", "description": "手机摔了一下屏幕碎了，触摸失灵", "serial": IMEI,
            "product_model": world["model"].pk, "service_mode": "on_site", "city": CITY, "district": "徐汇区",
            "address": "漕溪北路 88 号", "idempotency_key": "sched-1", "appointment": "2026-12-03T13:00"})
    assert response.status_code == 302, response.content[:500]
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.ASSIGNED
    assert Appointment.objects.get(ticket=ticket).start == at(3, 13)
    bodies = list(OutboxMessage.objects.filter(ticket=ticket, channel="sms", customer__isnull=False).order_by("pk")
                  .values_list("body", flat=True))
    assert len(bodies) == 2, bodies  # received, then assigned with the window: no extra message
    assert re.fullmatch(r"【售后服务】已安排工程师李工，预约12月3日13-15点，详情 https://fw\.example\.cn/l/\w{10}", bodies[1])


def test_intake_api_books_the_window_once_the_ticket_is_routed(client, taxonomy, now,  # noqa: F811
                                                                 django_capture_on_commit_callbacks):
    from tickets.models import IntakeChannelKey

    world = _world(taxonomy)
    _key, secret = IntakeChannelKey.objects.create_key(name="app", channel="app")
    body = {"name": "王小明", "phone": "13900001234", "description": "手机屏幕碎了，触摸失灵", "serial": IMEI,
            "product_model": world["model"].code, "service_mode": "on_site", "city": CITY, "district": "徐汇区",
            "address": "漕溪北路 88 号", "appointment_start": "2026-12-03T15:00:00+08:00"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/intake/v1/tickets/", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 201, response.content
    assert response.json()["appointment"]["pending"] is True
    ticket = Ticket.objects.get(number=response.json()["number"])
    appointment = Appointment.objects.get(ticket=ticket)
    assert (appointment.start, appointment.source) == (at(3, 15), Appointment.Source.API)
    # a Saturday cannot be had: the ticket stays without one and the page offers the free windows
    body.update(serial="", description="另一台手机屏幕摔碎了，触摸失灵", phone="13900005678",
                appointment_start="2026-12-05T09:00:00+08:00")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/intake/v1/tickets/", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 201, response.content
    other = Ticket.objects.get(number=response.json()["number"])
    assert not Appointment.objects.filter(ticket=other).exists()
    assert 'id="appointment-book"' in client.get(other.get_tracking_url()).content.decode()


def test_once_the_work_has_begun_the_customer_is_not_offered_a_first_booking(client, ticket, tech):
    """A walk-in whose device is repaired and waiting at the counter (待取机) is not asked to pick a
    visit time, and the link refuses a first booking with the reason; nothing is booked."""
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.READY, service_mode="walk_in")
    ticket.refresh_from_db()
    assert 'id="appointment-book"' not in _page(client, ticket)
    url = reverse("repairs:appointment", kwargs={"token": ticket.tracking_token})
    response = client.post(url, {"action": "book", "start": "2026-12-03T13:00"})
    assert response.status_code == 400
    assert "无需在线预约" in response.content.decode()
    assert not Appointment.objects.filter(ticket=ticket).exists()
