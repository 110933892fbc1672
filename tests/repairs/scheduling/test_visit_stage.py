"""Once the technician has set off, the appointment card says where the visit stands (on the way with
the arrival time, arrived, done) and no longer offers the move or cancel links, which the customer's
link then refuses; staff can still move the visit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from repairs.scheduling.models import Appointment
from repairs.scheduling.services import appointment_book
from tickets.models import Ticket
from tickets.services import ticket_transition

from .conftest import assign, at, make_ticket
from .test_arrival import CUSTOMER, _api

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(center, screen, tech, now):
    ticket = assign(make_ticket(center, screen, lat=CUSTOMER[0], lon=CUSTOMER[1]), tech)
    appointment_book(ticket=ticket, start=at(2, 13))  # three and a half hours ahead: still movable by time
    return ticket


def _card(client, ticket) -> str:
    page = client.get(ticket.get_tracking_url()).content.decode()
    found = re.search(r'<section class="card" id="appointment".*?</section>', page, re.S)
    assert found, page
    return found.group(0)


def _link(ticket) -> str:
    return reverse("repairs:appointment", kwargs={"token": ticket.tracking_token})


def test_before_departure_the_card_offers_the_change_link(client, job):
    card = _card(client, job)
    assert "改约或取消" in card
    assert f'href="{_link(job)}"' in card


def test_on_the_way_the_card_shows_the_arrival_and_no_links(client, job, tech):
    api = _api(tech)
    assert api.post(f"/api/v1/jobs/{job.pk}/depart/", {"eta_minutes": 20}, format="json").status_code == 200
    card = _card(client, job)
    assert "12月2日13-15点" in card  # the window booked stays in view
    assert "工程师已出发，预计 09:50 到达" in card
    assert 'data-stage="en_route"' in card
    assert "改约或取消" not in card
    assert _link(job) not in card
    assert "不足 2 小时" not in card  # not the wrong reason either
    page = client.get(job.get_tracking_url()).content.decode()
    assert page.count('id="eta"') == 1

    # the link itself refuses now, and says why
    response = client.post(_link(job), {"action": "cancel"})
    assert response.status_code == 400
    assert "工程师已出发" in response.content.decode()
    response = client.post(_link(job), {"action": "book", "start": "2026-12-03T09:00"})
    assert response.status_code == 400
    assert Appointment.objects.get(ticket=job, status=Appointment.Status.BOOKED).start == at(2, 13)
    form = client.get(_link(job)).content.decode()
    assert 'id="windows"' not in form
    assert 'id="appointment-cancel"' not in form
    assert "工程师已出发" in form


def test_staff_can_still_move_a_visit_under_way(job, tech, dispatcher):
    _api(tech).post(f"/api/v1/jobs/{job.pk}/depart/", {"eta_minutes": 20}, format="json")
    moved = appointment_book(ticket=job, start=at(3, 9), by=dispatcher, source=Appointment.Source.DISPATCHER)
    assert moved.start == at(3, 9)


def test_arrived_then_done(client, job, tech):
    api = _api(tech)
    api.post(f"/api/v1/jobs/{job.pk}/depart/", {"eta_minutes": 20}, format="json")
    response = api.post(f"/api/v1/jobs/{job.pk}/check-in/", {"latitude": CUSTOMER[0], "longitude": CUSTOMER[1]},
                        format="json")
    assert response.status_code == 200, response.content
    card = _card(client, job)
    assert 'data-stage="arrived"' in card
    assert "工程师已到达" in card
    assert "12月2日13-15点" in card
    assert _link(job) not in card
    assert "选择上门时间" not in card

    ticket = Ticket.objects.get(pk=job.pk)
    if ticket.status == Ticket.Status.ASSIGNED:
        ticket = ticket_transition(ticket=ticket, transition="start", by=None)
    ticket = ticket_transition(ticket=ticket, transition="resolve", by=None)  # solved on the spot
    card = _card(client, ticket)
    assert 'data-stage="done"' in card
    assert "上门服务已完成" in card
    assert _link(ticket) not in card
    assert "工程师已到达" not in card
