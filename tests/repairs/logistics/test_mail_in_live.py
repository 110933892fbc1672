"""A mail-in job with a courier both ways over real HTTP: the carrier adapter against the SF protocol
stub in a real server process, its signed route pushes back to our webhook."""

from __future__ import annotations

import time

import httpx
import pytest
from pypdf import PdfReader

from repairs.logistics.models import Shipment
from repairs.logistics.services import (
    pickup_windows,
    shipment_book_inbound,
    shipment_book_return,
    shipment_receive,
)
from repairs.models import RepairOrder
from tests.live import site_serving_media, wait_for
from tests.repairs.payments.conftest import build_paid_repair
from tickets.exceptions import InvalidTransition
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def carrier_site(settings):
    with site_serving_media(settings) as base:
        yield base



def test_mail_in_both_ways(carrier_site, workshop, png, qc_user, manager):
    import io

    workshop["center"].managers.add(manager)
    type(workshop["center"]).objects.filter(pk=workshop["center"].pk).update(phone="021-50000000")
    ticket = workshop["ticket"]
    Ticket.objects.filter(pk=ticket.pk).update(service_mode="mail_in", address="漕溪北路 88 号", city="上海市")
    ticket.refresh_from_db()

    # the customer books the courier from the page
    window = pickup_windows()[0]
    with httpx.Client(base_url=carrier_site, timeout=30, follow_redirects=False) as web:
        page = web.get(ticket.get_tracking_url())
        assert "预约上门取件" in page.text
        csrf = web.cookies.get("csrftoken")
        booked = web.post(f"/t/{ticket.tracking_token}/shipping/book/",
                          data={"window": window.isoformat(), "csrfmiddlewaretoken": csrf},
                          headers={"Referer": carrier_site + ticket.get_tracking_url()})
        assert booked.status_code == 302
        assert "已预约顺丰上门取件" in web.get(ticket.get_tracking_url()).text
    inbound = Shipment.objects.get(ticket=ticket, direction="inbound")
    assert inbound.waybill_no.startswith("SF")
    assert inbound.pickup_start == window
    assert PdfReader(io.BytesIO(inbound.label_pdf.read())).pages
    # booking again (a second tap) returns the same shipment: one courier
    assert shipment_book_inbound(ticket=ticket, pickup_start=window).pk == inbound.pk

    # the courier picks up and delivers: signed pushes from the carrier stub
    with httpx.Client(base_url=carrier_site, timeout=30) as web:
        web.post(f"/_stub/sf/console/{inbound.waybill_no}/", data={"op": "50"})
        assert wait_for(lambda: Shipment.objects.get(pk=inbound.pk).status == "in_transit")
        time.sleep(1.1)  # a later event time
        web.post(f"/_stub/sf/console/{inbound.waybill_no}/", data={"op": "80"})
        assert wait_for(lambda: Shipment.objects.get(pk=inbound.pk).status == "delivered")
        page = web.get(ticket.get_tracking_url()).text
        assert "已签收，感谢使用顺丰" in page
        assert "已收取快件" in page

    shipment_receive(waybill_no=inbound.waybill_no, by=manager, photos=[("arrived.png", png())])
    with pytest.raises(InvalidTransition):
        shipment_book_return(ticket=ticket, by=manager)  # not repaired yet

    order = build_paid_repair(workshop, png, qc_user)
    assert order.status == RepairOrder.Status.PASSED
    back = shipment_book_return(ticket=ticket, by=manager)
    assert back.direction == "return"
    assert back.waybill_no != inbound.waybill_no
    assert back.recipient["address"] == "漕溪北路 88 号"
    assert back.freight_payer == Shipment.Payer.CUSTOMER  # water damage is outside 三包
    assert TicketEvent.objects.filter(ticket=ticket, kind="shipment.return_booked", customer_visible=True).exists()
    assert shipment_book_return(ticket=ticket, by=manager).pk == back.pk
