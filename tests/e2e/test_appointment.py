"""An on-site customer picks a visit window on /submit/, sees it on the progress page, and after the
technician sets off (through the technicians' API) sees "工程师已出发，预计 HH:MM 到达", updated live
from his location pings, then "已到达" — in a real browser against a real server process."""

from __future__ import annotations

import re

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from repairs.scheduling.models import Appointment, LocationPing
from tests.intake.conftest import taxonomy  # noqa: F401 - the shipped taxonomy and classifier
from tests.live import free_port, live_server
from tests.progress.test_journey import _world
from tickets.models import Ticket

from .conftest import PAGE_SERVER_ENV, screenshot
from .test_progress import in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _token(user_id: int) -> str:
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    return AuthToken.objects.create(get_user_model().objects.get(pk=user_id))[1]


def _dispatch(ticket_id: int, technician_id: int) -> None:
    from repairs.dispatch.services import dispatch_to
    from repairs.models import Technician

    ticket = Ticket.objects.get(pk=ticket_id)
    dispatch_to(ticket=ticket, technician=Technician.objects.get(pk=technician_id), by=None)


def test_customer_picks_a_window_then_sees_the_engineer_on_the_way(phone, taxonomy):  # noqa: F811
    from django.conf import settings

    world = in_thread(_world, taxonomy=taxonomy)
    tech = world["tech"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**PAGE_SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": base}
    with live_server(port=port, env=env, timeout=180):
        # 1. the report, with a visit window picked from the list
        phone.goto(f"{base}/submit/")
        phone.fill("#id_phone", "13900001234")
        phone.fill("#id_name", "王小明")
        phone.select_option("#id_product_model", str(world["model"].pk))
        phone.fill("#id_description", "手机摔了一下屏幕碎了，触摸失灵")
        phone.select_option("#id_service_mode", "on_site")
        phone.fill("#id_city", "上海")
        phone.fill("#id_district", "徐汇区")
        phone.fill("#id_address", "漕溪北路 88 号")
        options = phone.locator("#id_appointment option")
        expect(options.nth(1)).to_be_attached()
        picked = options.nth(1).get_attribute("value")
        phone.select_option("#id_appointment", picked)
        screenshot(phone, "appointment-1-submit")
        phone.get_by_role("button", name="提交报修").click()
        phone.wait_for_load_state()
        errors = phone.locator(".errorlist").all_inner_texts()
        assert not errors, errors
        expect(phone.locator("body")).to_contain_text("报修已提交", timeout=20_000)

        ticket = Ticket.objects.get()
        appointment = Appointment.objects.get(ticket=ticket)
        assert timezone.localtime(appointment.start).strftime("%Y-%m-%dT%H:%M") == picked
        in_thread(_dispatch, ticket_id=ticket.pk, technician_id=tech.pk)

        # 2. the progress page shows the window and the call button through the privacy number
        phone.goto(f"{base}{ticket.get_tracking_url()}")
        expect(phone.locator("#appointment-window")).to_contain_text("点")
        expect(phone.locator("#conn")).to_have_attribute("data-state", "live", timeout=20_000)
        screenshot(phone, "appointment-2-booked")

        # 3. the technician sets off: the page shows the expected arrival without a reload
        api = httpx.Client(base_url=base, timeout=30)
        # the server checks passwords with production hashers; the app's session token is what matters
        token = in_thread(_token, user_id=tech.user_id)
        api.headers["Authorization"] = f"Token {token}"
        assert api.post(f"/api/v1/jobs/{ticket.pk}/accept/", json={}).status_code == 200
        assert api.post(f"/api/v1/jobs/{ticket.pk}/depart/", json={}).status_code == 200
        eta = phone.locator("#eta")
        expect(eta).to_contain_text(re.compile(r"工程师已出发，预计 \d\d:\d\d 到达"), timeout=20_000)
        screenshot(phone, "appointment-3-on-the-way")

        # 4. a location ping far out moves the time; inside the radius the page says 已到达
        ping = api.post(f"/api/v1/jobs/{ticket.pk}/location/",
                        json={"latitude": "31.050000", "longitude": "121.300000"})
        assert ping.status_code == 200, ping.text
        assert ping.json()["state"] == "en_route"
        new_eta = ping.json()["eta"]
        assert new_eta
        assert LocationPing.objects.filter(visit__ticket=ticket).count() == 1
        ticket.refresh_from_db()
        arrived = api.post(f"/api/v1/jobs/{ticket.pk}/location/",
                           json={"latitude": str(ticket.latitude), "longitude": str(ticket.longitude)})
        assert arrived.json()["state"] == "arrived", arrived.text
        expect(phone.locator("#arrival")).to_have_attribute("data-state", "arrived", timeout=20_000)
        screenshot(phone, "appointment-4-arrived")
        assert not LocationPing.objects.filter(visit__ticket=ticket).exists()  # the track is gone
