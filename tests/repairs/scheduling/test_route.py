"""The technician's day: ordered by OR-Tools inside the windows, stored, shown in the API and the
admin, re-planned when a job is added or moved; travel times behind the map-provider interface."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from repairs.scheduling.maps import (
    AMapProvider,
    BaiduProvider,
    FallbackProvider,
    Leg,
    LocalProvider,
    Point,
    ProviderError,
    TencentProvider,
)
from repairs.scheduling.models import Appointment, RoutePlan
from repairs.scheduling.planning import route_replan
from repairs.scheduling.route import Stop, solve
from repairs.scheduling.services import appointment_book
from tests import factories
from tests.api.flow import PASSWORD

from .conftest import assign, at, make_ticket

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 3)


def _line(n: int, km_apart: float) -> list[Point]:
    return [Point(31.2, 121.4 + i * km_apart / 95.3) for i in range(n)]


def test_solver_orders_visits_to_cut_the_road_and_respects_windows():
    # the centre at 0; customers at 3, 1, 2 km east, all in the same morning window
    places = [Point(31.2, 121.4), *[Point(31.2, 121.4 + k / 95.3) for k in (3, 1, 2)]]
    matrix = LocalProvider(road_factor=1.0, speed_kmh=60).matrix(places, places)
    plan = solve(start_minute=9 * 60, stops=[Stop(key=k, window_start=540, window_end=720, service=10)
                                             for k in (30, 10, 20)], matrix=matrix)
    assert [s.key for s in plan.stops] == [10, 20, 30]  # 1 km, 2 km, 3 km: no back and forth
    assert plan.feasible
    assert round(plan.km) == 3


def test_solver_lets_a_window_win_over_distance():
    places = _line(3, 2.0)
    matrix = LocalProvider(road_factor=1.0, speed_kmh=60).matrix(places, places)
    # the far customer is only available in the morning, the near one only in the afternoon
    plan = solve(start_minute=540, stops=[Stop(key=1, window_start=780, window_end=900, service=30),
                                          Stop(key=2, window_start=540, window_end=660, service=30)], matrix=matrix)
    assert [s.key for s in plan.stops] == [2, 1]
    assert plan.stops[1].arrival >= 780
    assert plan.feasible


def test_an_unreachable_window_is_routed_and_marked_late():
    places = _line(3, 30.0)
    matrix = LocalProvider(road_factor=1.0, speed_kmh=30).matrix(places, places)
    plan = solve(start_minute=540, stops=[Stop(key=1, window_start=540, window_end=560, service=60),
                                          Stop(key=2, window_start=540, window_end=560, service=60)], matrix=matrix)
    assert len(plan.stops) == 2
    assert not plan.feasible


def _world(center, screen, tech):
    tickets = []
    for lat, lon, hour in (("31.230000", "121.480000", 9), ("31.195000", "121.440000", 9),
                           ("31.210000", "121.460000", 13)):
        ticket = make_ticket(center, screen, lat=lat, lon=lon)
        ticket = assign(ticket, tech)
        from repairs.scheduling.models import WindowCapacity

        WindowCapacity.objects.update_or_create(center=center, skill="screen", defaults={"capacity": 5})
        appointment_book(ticket=ticket, start=at(3, hour))
        tickets.append(ticket)
    return tickets


def test_replan_stores_the_day_and_each_planned_arrival(center, screen, tech, now):
    _world(center, screen, tech)
    plan = route_replan(technician=tech, day=DAY)
    assert len(plan.stops) == 3
    assert plan.feasible
    assert plan.provider == "local"
    arrivals = [dt.datetime.fromisoformat(s["arrival"]) for s in plan.stops]
    assert arrivals == sorted(arrivals)
    for stop in plan.stops:
        assert stop["window_start"] <= stop["arrival"] <= stop["window_end"]
    assert list(Appointment.objects.order_by("route_position").values_list("route_position", flat=True)) == [1, 2, 3]
    assert route_replan(technician=tech, day=DAY).pk == plan.pk  # one plan per technician and day


def test_booking_and_moving_a_job_replan_the_day(center, screen, tech, now, django_capture_on_commit_callbacks):
    ticket = make_ticket(center, screen)
    ticket = assign(ticket, tech)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(ticket=ticket, start=at(3, 11))
    plan = RoutePlan.objects.get(technician=tech, date=DAY)
    assert [s["ticket"] for s in plan.stops] == [ticket.pk]
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(ticket=ticket, start=at(4, 11))
    assert RoutePlan.objects.get(technician=tech, date=DAY).stops == []
    assert [s["ticket"] for s in RoutePlan.objects.get(technician=tech, date=DAY + dt.timedelta(days=1)).stops] == [
        ticket.pk]


def test_dispatch_to_another_technician_replans_their_day(center, screen, tech, now,
                                                         django_capture_on_commit_callbacks):
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    other = factories.TechnicianFactory(center=center, name="王工", skills=["screen"])
    ticket = make_ticket(center, screen)
    appointment_book(ticket=ticket, start=at(3, 15))
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=screen)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_to(ticket=ticket, technician=other, by=None)
    assert [s["ticket"] for s in RoutePlan.objects.get(technician=other, date=DAY).stops] == [ticket.pk]


def test_route_api_shows_my_day(center, screen, tech, now):
    from rest_framework.test import APIClient

    tickets = _world(center, screen, tech)
    client = APIClient()
    token = client.post("/api/v1/auth/login/", {"username": tech.user.username, "password": PASSWORD,
                                                "device": "t"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = client.get("/api/v1/me/route/", {"date": "2026-12-03"}).json()
    assert sorted(s["ticket"] for s in body["stops"]) == sorted(t.pk for t in tickets)
    assert body["feasible"] is True
    assert body["travel_minutes"] > 0
    assert client.get("/api/v1/me/route/", {"date": "tomorrow"}).status_code == 400
    assert client.get("/api/v1/me/route/", {"date": "2026-12-04"}).json()["stops"] == []


def test_route_api_is_for_technicians_only(agent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)
    assert client.get("/api/v1/me/route/").status_code == 403


def test_dispatcher_sees_and_replans_routes_in_the_admin(client, dispatcher, center, screen, tech, now,
                                                         django_assert_max_num_queries):
    _world(center, screen, tech)
    plan = route_replan(technician=tech, day=DAY)
    client.force_login(dispatcher)
    with django_assert_max_num_queries(12):
        page = client.get("/admin/repairs/routeplan/")
    assert page.status_code == 200
    assert str(tech.name) in page.content.decode()
    detail = client.get(f"/admin/repairs/routeplan/{plan.pk}/change/").content.decode()
    assert "route-stops" in detail
    assert "计划到达" in detail
    response = client.post("/admin/repairs/routeplan/", {"action": "replan", "_selected_action": [plan.pk]})
    assert response.status_code == 302


# -- map providers, each tested against a local stub of its web service ----------------------------

A, B, C = Point(31.2, 121.4), Point(31.21, 121.45), Point(31.25, 121.5)


def test_amap_adapter_speaks_the_distance_api():
    calls = []

    def transport(url):
        calls.append(url)
        q = parse_qs(urlparse(url).query)
        assert urlparse(url).path == "/v3/distance"
        assert q["key"] == ["k"]
        assert q["type"] == ["1"]
        origins = q["origins"][0].split("|")
        assert origins[0] == "121.400000,31.200000"  # lng,lat
        return {"status": "1", "results": [{"origin_id": str(i + 1), "dest_id": "1", "distance": str(1000 * (i + 1)),
                                            "duration": str(120 * (i + 1))} for i in range(len(origins))]}

    matrix = AMapProvider(key="k", transport=transport).matrix([A, B], [B, C])
    assert len(calls) == 2  # one destination per request
    assert matrix[1][0] == Leg(minutes=4.0, km=2.0)


def test_baidu_adapter_speaks_routematrix():
    def transport(url):
        q = parse_qs(urlparse(url).query)
        assert urlparse(url).path == "/routematrix/v2/driving"
        assert q["ak"] == ["k"]
        assert q["origins"][0].split("|")[0] == "31.200000,121.400000"  # lat,lng
        return {"status": 0, "result": [{"distance": {"value": 1000 * i}, "duration": {"value": 60 * i}}
                                        for i in range(4)]}

    matrix = BaiduProvider(key="k", transport=transport).matrix([A, B], [B, C])
    assert matrix[1][1] == Leg(minutes=3.0, km=3.0)


def test_tencent_adapter_speaks_the_matrix_api():
    def transport(url):
        q = parse_qs(urlparse(url).query)
        assert urlparse(url).path == "/ws/distance/v1/matrix"
        assert q["mode"] == ["driving"]
        assert q["from"][0] == "31.200000,121.400000;31.210000,121.450000"
        return {"status": 0, "result": {"rows": [{"elements": [{"distance": 500, "duration": 90}] * 2}] * 2}}

    assert TencentProvider(key="k", transport=transport).matrix([A, B], [B, C])[0][1] == Leg(minutes=1.5, km=0.5)


def test_a_failing_provider_falls_back_to_the_local_estimate():
    def transport(url):
        return {"status": "0", "info": "INVALID_USER_KEY"}

    provider = FallbackProvider(AMapProvider(key="bad", transport=transport))
    matrix = provider.matrix([A], [C])
    assert provider.used == "local"
    assert matrix[0][0] == LocalProvider().matrix([A], [C])[0][0]
    with pytest.raises(ProviderError):
        AMapProvider(key="bad", transport=transport).matrix([A], [C])


def test_local_provider_uses_the_geo_helper_with_the_road_factor():
    from tickets.geo import distance_km

    leg = LocalProvider(road_factor=1.5, speed_kmh=30).leg(A, C)
    assert leg.km == pytest.approx(distance_km(A.latitude, A.longitude, C.latitude, C.longitude) * 1.5)
    assert leg.minutes == pytest.approx(leg.km * 2)
