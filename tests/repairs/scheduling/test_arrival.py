"""The way to the customer: the arrival time when the technician sets off, updated from throttled
location pings (kept only while en route), arrival inside a radius, pushed to the open page; and
the privacy number (AXB) bound on dispatch, released when the ticket ends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from rest_framework.test import APIClient

from repairs.models import RepairVisit
from repairs.scheduling.models import Appointment, LocationPing, PrivacyBinding
from repairs.scheduling.privacy import (
    AliyunProvider,
    ConsoleProvider,
    aliyun_signature,
    privacy_bind,
    privacy_release,
)
from repairs.scheduling.services import appointment_book
from tests.api.flow import PASSWORD
from tickets.models import TicketEvent

from .conftest import assign, at, make_ticket

pytestmark = pytest.mark.django_db

# the customer at 漕溪北路; the centre 1.7 km south
CUSTOMER = ("31.200000", "121.450000")


def _api(tech) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/auth/login/", {"username": tech.user.username, "password": PASSWORD,
                                                "device": "t"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def job(center, screen, tech, now):
    ticket = assign(make_ticket(center, screen, lat=CUSTOMER[0], lon=CUSTOMER[1]), tech)
    appointment_book(ticket=ticket, start=at(2, 13))
    return ticket


def _page(client, ticket) -> str:
    return client.get(ticket.get_tracking_url()).content.decode()


def test_departing_without_an_estimate_uses_the_map_and_the_page_shows_it(client, job, tech):
    api = _api(tech)
    response = api.post(f"/api/v1/jobs/{job.pk}/depart/", {}, format="json")
    assert response.status_code == 200, response.content
    visit = RepairVisit.objects.get(ticket=job)
    assert visit.eta_at is not None
    assert visit.eta_at > visit.departed_at
    eta = visit.eta_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")
    assert TicketEvent.objects.get(ticket=job, kind="visit.departed").payload["eta"] == eta
    assert f"工程师已出发，预计 {eta} 到达" in _page(client, job)


def test_pings_update_the_eta_push_it_live_and_arrival_deletes_the_track(client, job, tech, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    import tickets.realtime as realtime

    pushed = []
    monkeypatch.setattr(realtime, "broadcast_ticket_event", lambda ticket_id, payload: pushed.append(payload))
    api = _api(tech)
    url = f"/api/v1/jobs/{job.pk}/location/"
    response = api.post(url, {"latitude": "31.100000", "longitude": "121.450000"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "not_en_route"
    assert not LocationPing.objects.exists()
    api.post(f"/api/v1/jobs/{job.pk}/depart/", {"eta_minutes": 5}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        body = api.post(url, {"latitude": "31.150000", "longitude": "121.450000"}, format="json").json()
    assert body["state"] == "en_route"
    assert body["distance_m"] > 5000
    visit = RepairVisit.objects.get(ticket=job)
    eta = visit.eta_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")
    assert eta != ""
    assert LocationPing.objects.filter(visit=visit).count() == 1
    assert any(p["event"]["kind"] == "visit.eta" and p["event"]["customer_visible"] for p in pushed)
    assert f"工程师已出发，预计 {eta} 到达" in _page(client, job)
    # within the arrival radius: checked in, the track is gone, the page says so
    body = api.post(url, {"latitude": "31.200500", "longitude": "121.450200"}, format="json").json()
    assert body["state"] == "arrived"
    visit.refresh_from_db()
    assert visit.checked_in_at is not None
    assert not LocationPing.objects.exists()
    assert Appointment.objects.get(ticket=job).status == Appointment.Status.DONE
    page = _page(client, job)
    assert 'id="arrival" data-state="arrived"' in page
    assert "已到达" in page
    assert api.post(url, {"latitude": "31.2", "longitude": "121.45"}, format="json").status_code == 400


def test_location_pings_are_throttled(job, tech, settings):
    api = _api(tech)
    api.post(f"/api/v1/jobs/{job.pk}/depart/", {}, format="json")
    codes = [api.post(f"/api/v1/jobs/{job.pk}/location/", {"latitude": "31.15", "longitude": "121.45"},
                      format="json").status_code for _ in range(8)]
    assert codes[:6] == [200] * 6
    assert codes[-1] == 429


def test_someone_elses_job_is_not_found(job, center):
    from tests import factories

    stranger = factories.TechnicianFactory(center=center)
    assert _api(stranger).post(f"/api/v1/jobs/{job.pk}/location/", {"latitude": "31.1", "longitude": "121.4"},
                               format="json").status_code == 404


def test_privacy_number_bound_on_dispatch_shown_as_a_call_button_and_released_at_the_end(
        client, center, screen, tech, now, django_capture_on_commit_callbacks, caplog):
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_cancel, ticket_triage

    ticket = make_ticket(center, screen)
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=screen)
    with caplog.at_level("INFO", logger="repairs.scheduling.privacy"), \
            django_capture_on_commit_callbacks(execute=True):
        dispatch_to(ticket=ticket, technician=tech, by=None)
    binding = PrivacyBinding.objects.get(ticket=ticket)
    assert binding.provider == "console"
    assert binding.status == PrivacyBinding.Status.ACTIVE
    assert "AXB bind" in caplog.text
    assert tech.phone not in caplog.text
    page = _page(client, ticket)
    assert f'href="tel:{binding.number_x}"' in page
    assert tech.phone not in page
    # the privacy number is the one way to call: no masked real number beside it
    assert 'class="phone"' not in page
    assert privacy_bind(ticket_id=ticket.pk, technician_id=tech.pk).pk == binding.pk  # idempotent
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_cancel(ticket=ticket, by=None, reason="客户取消")
    binding.refresh_from_db()
    assert binding.status == PrivacyBinding.Status.RELEASED
    assert binding.released_at is not None
    assert "tel:" not in _page(client, ticket)


def test_reassignment_moves_the_binding_to_the_new_technician(center, screen, tech, now):
    from tests import factories

    ticket = assign(make_ticket(center, screen), tech)
    first = privacy_bind(ticket_id=ticket.pk, technician_id=tech.pk, provider=ConsoleProvider())
    other = factories.TechnicianFactory(center=center, phone="13700000000")
    from tickets.services import ticket_assign

    ticket_assign(ticket=ticket, technician=other, by=None)
    second = privacy_bind(ticket_id=ticket.pk, technician_id=other.pk, provider=ConsoleProvider())
    first.refresh_from_db()
    assert first.status == PrivacyBinding.Status.RELEASED
    assert second.status == PrivacyBinding.Status.ACTIVE
    assert second.number_x != ""
    assert privacy_release(ticket_id=ticket.pk) == 1


def test_aliyun_adapter_signs_bindaxb_and_unbinds(center, screen, tech, now):
    seen = []

    def transport(url, form):
        seen.append(form)
        unsigned = {k: v for k, v in form.items() if k != "Signature"}
        assert form["Signature"] == aliyun_signature(unsigned, "secret")  # the gateway's own check
        if form["Action"] == "BindAxb":
            assert form["PhoneNoB"] == tech.phone
            assert form["PoolKey"] == "FC100"
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", form["Expiration"])
            return {"Code": "OK", "SecretBindDTO": {"SubsId": "1000001", "SecretNo": "17100000001"}}
        assert form["Action"] == "UnbindSubscription"
        assert form["SubsId"] == "1000001"
        return {"Code": "OK"}

    provider = AliyunProvider(key_id="id", secret="secret", pool_key="FC100", transport=transport)
    ticket = assign(make_ticket(center, screen), tech)
    binding = privacy_bind(ticket_id=ticket.pk, technician_id=tech.pk, provider=provider)
    assert (binding.provider, binding.binding_id, binding.number_x) == ("aliyun", "1000001", "17100000001")
    privacy_release(ticket_id=ticket.pk, provider=provider)
    assert [f["Action"] for f in seen] == ["BindAxb", "UnbindSubscription"]


def test_aliyun_signature_matches_the_documented_example():
    # Alibaba Cloud's RPC signature documentation example (DescribeRegions, AccessKeySecret "testsecret")
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert aliyun_signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
