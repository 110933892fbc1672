"""A mail-in customer books the courier on the progress page and sees the carrier's tracking arrive,
in a real browser against a real server process with the SF protocol stub."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from repairs.logistics.models import Shipment
from tests import factories
from tests.live import free_port, live_server
from tickets.services import ticket_assign, ticket_triage

from .conftest import PAGE_SERVER_ENV, screenshot
from .test_progress import in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _mail_in_ticket():
    centre = factories.ServiceCenterFactory(name="上海浦东服务中心", address="张杨路 500 号", phone="021-50000000")
    tech = factories.TechnicianFactory(center=centre, name="李工")
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    customer = factories.CustomerFactory(name="王小明", phone="13900005678")
    device = factories.DeviceFactory(owner=customer)
    fault = factories.FaultCategoryFactory(code="screen-mail", name="屏幕故障")
    ticket = factories.TicketFactory(customer=customer, device=device, service_mode="mail_in", city="上海市",
                                     address="漕溪北路 88 号", description="屏幕不亮，想寄修")
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    return ticket_assign(ticket=ticket, technician=tech, by=None)


def test_the_customer_books_the_courier_and_follows_the_parcel(phone):
    from django.conf import settings

    ticket = in_thread(_mail_in_ticket)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**PAGE_SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": base}
    with live_server(port=port, env=env, timeout=180):
        phone.goto(f"{base}{ticket.get_tracking_url()}")
        expect(phone.locator("#book-pickup")).to_be_visible()
        phone.locator("#mail-in").scroll_into_view_if_needed()
        screenshot(phone, "mail-in-1-book")
        phone.click("#book-pickup button[type=submit]")
        expect(phone.locator("#mail-in .waybill")).to_have_count(1)
        waybill = phone.inner_text("#mail-in .waybill")
        assert waybill.startswith("SF")
        expect(phone.locator("#timeline")).to_contain_text("已预约顺丰上门取件")
        assert phone.locator('[data-action="send_device"]').count() == 0  # the courier collects it

        # the courier collects the parcel: the carrier pushes a signed route event to our webhook
        httpx.post(f"{base}/_stub/sf/console/{waybill}/", data={"op": "50"}, timeout=30)
        expect(phone.locator("#mail-in .tracking")).to_contain_text("已收取快件", timeout=20_000)
        phone.locator("#mail-in").scroll_into_view_if_needed()
        screenshot(phone, "mail-in-2-tracking")

    shipment = Shipment.objects.get(ticket=ticket)
    assert shipment.waybill_no == waybill
    assert shipment.status == Shipment.Status.IN_TRANSIT
