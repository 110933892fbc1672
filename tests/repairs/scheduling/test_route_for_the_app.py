"""The day's route as the technicians' app reads it from ``GET /api/v1/me/route/``: the stops in
driving order with what each card shows (planned arrival, the window, the leg from the previous
place, the coordinates for the navigation link), in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from repairs.scheduling.models import Appointment, WindowCapacity
from repairs.scheduling.services import appointment_book
from tests.api.flow import PASSWORD

from .conftest import assign, at, make_ticket

pytestmark = pytest.mark.django_db

#: What static/technician/screens.js reads of a stop.
STOP_FIELDS = {"ticket", "number", "address", "latitude", "longitude", "window_start", "window_end", "arrival",
               "travel_minutes", "km", "late"}


def _client(tech) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/auth/login/", {"username": tech.user.username, "password": PASSWORD,
                                                "device": "app"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _day(center, screen, tech):
    """Three visits whose windows, not their booking order, decide the order of the day."""
    WindowCapacity.objects.update_or_create(center=center, skill="screen", defaults={"capacity": 5})
    booked = []
    for lat, lon, hour in (("31.230000", "121.480000", 15), ("31.195000", "121.440000", 9),
                           ("31.210000", "121.460000", 13)):
        ticket = assign(make_ticket(center, screen, lat=lat, lon=lon), tech)
        appointment_book(ticket=ticket, start=at(3, hour))
        booked.append(ticket)
    return booked


def test_the_route_gives_each_stop_in_driving_order_with_what_the_app_shows(center, screen, tech, now):
    late, early, noon = _day(center, screen, tech)
    body = _client(tech).get("/api/v1/me/route/", {"date": "2026-12-03"}).json()
    stops = body["stops"]
    assert [s["ticket"] for s in stops] == [early.pk, noon.pk, late.pk]
    for stop in stops:
        assert set(stop) >= STOP_FIELDS
        assert stop["window_start"] <= stop["arrival"] <= stop["window_end"]
        assert stop["travel_minutes"] >= 0
    arrivals = [dt.datetime.fromisoformat(s["arrival"]) for s in stops]
    assert arrivals == sorted(arrivals)
    # the first leg starts at the centre, so it is driven too
    assert stops[0]["travel_minutes"] > 0
    assert stops[0]["km"] > 0
    assert (stops[0]["latitude"], stops[0]["longitude"]) == (31.195, 121.44)
    assert sum(s["travel_minutes"] for s in stops) <= body["travel_minutes"]
    assert body["date"] == "2026-12-03"
    assert body["feasible"] is True
    positions = dict(Appointment.objects.filter(status="booked").values_list("ticket_id", "route_position"))
    assert [positions[s["ticket"]] for s in stops] == [1, 2, 3]


def test_the_route_is_read_in_a_constant_number_of_queries(center, screen, tech, now, django_assert_num_queries):
    """The app asks at every sync (once a minute): a stored plan is read, never planned again."""
    _day(center, screen, tech)
    client = _client(tech)
    client.get("/api/v1/me/route/", {"date": "2026-12-03"})  # planned once, if booking had not yet
    with django_assert_num_queries(2):  # the token with its user and technician, then the plan
        body = client.get("/api/v1/me/route/", {"date": "2026-12-03"}).json()
    assert len(body["stops"]) == 3


def test_a_day_without_visits_is_an_empty_route_planned_once(tech, now, django_assert_num_queries):
    client = _client(tech)
    assert client.get("/api/v1/me/route/", {"date": "2026-12-04"}).json()["stops"] == []
    with django_assert_num_queries(2):
        body = client.get("/api/v1/me/route/", {"date": "2026-12-04"}).json()
    assert body["stops"] == []
    assert body["travel_minutes"] == 0
