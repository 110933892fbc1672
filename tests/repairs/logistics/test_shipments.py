"""Mail-in shipments: the carrier's signed pushes, receiving by waybill scan, the return choice, freight."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from repairs.logistics.models import Shipment, TrackingEvent
from repairs.logistics.services import freight_payer_for, shipment_receive, shipment_return_choose
from repairs.logistics.stub import route_push, waybill_for
from tickets.exceptions import InvalidTransition, NotFoundError, PermissionDeniedError, ValidationFailed
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PUSH_URL = "/logistics/sf/push/"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def mail_in(workshop):
    ticket = workshop["ticket"]
    Ticket.objects.filter(pk=ticket.pk).update(service_mode="mail_in")
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def inbound(mail_in):
    # a shipment as the booking service stores it once the carrier answered (booking itself runs over
    # HTTP against the carrier stub in test_mail_in_live.py)
    return Shipment.objects.create(ticket=mail_in, direction="inbound", order_id=f"{mail_in.number}-IN1",
                                   waybill_no=waybill_for(f"{mail_in.number}-IN1"), freight_payer="company",
                                   sender={"name": "王", "phone": "13900000000", "address": "徐汇区 1 号"},
                                   recipient={"name": "中心", "phone": "021-1", "address": "张杨路 500 号"})


@pytest.fixture
def centre_manager(manager, workshop):
    workshop["center"].managers.add(manager)
    return manager


def test_a_signed_push_is_tracked_once_and_shown_on_the_page(client, inbound):
    form = route_push(inbound.waybill_no, "50")
    assert client.post(PUSH_URL, form).json()["return_code"] == "0000"
    assert client.post(PUSH_URL, form).json()["return_code"] == "0000"  # pushed again: nothing new
    assert TrackingEvent.objects.filter(shipment=inbound).count() == 1
    inbound.refresh_from_db()
    assert inbound.status == Shipment.Status.IN_TRANSIT
    assert TicketEvent.objects.filter(ticket=inbound.ticket, kind="shipment.tracking").count() == 1
    page = client.get(inbound.ticket.get_tracking_url()).content.decode()
    assert inbound.waybill_no in page
    assert "已收取快件" in page


def test_a_forged_push_changes_nothing(client, inbound):
    form = route_push(inbound.waybill_no, "80")
    form["msgData"] = form["msgData"].replace("已签收", "已丢失")
    response = client.post(PUSH_URL, form)
    assert response.status_code == 400
    assert not TrackingEvent.objects.exists()
    inbound.refresh_from_db()
    assert inbound.status == Shipment.Status.BOOKED


def test_receiving_needs_the_scan_photos_and_the_permission(inbound, centre_manager, agent):
    with pytest.raises(NotFoundError):
        shipment_receive(waybill_no="SF000", by=centre_manager, photos=[("a.jpg", _jpeg())])
    with pytest.raises(PermissionDeniedError):
        shipment_receive(waybill_no=inbound.waybill_no, by=agent, photos=[("a.jpg", _jpeg())])
    with pytest.raises(ValidationFailed):
        shipment_receive(waybill_no=inbound.waybill_no, by=centre_manager, photos=[])
    shipment = shipment_receive(waybill_no=inbound.waybill_no.lower(), by=centre_manager,
                                photos=[("front.jpg", _jpeg()), ("back.jpg", _jpeg())], condition_note="后壳有划痕")
    assert shipment.status == Shipment.Status.RECEIVED
    assert shipment.received_by == centre_manager
    assert Attachment.objects.filter(ticket=inbound.ticket, purpose="before").count() == 2
    event = TicketEvent.objects.get(ticket=inbound.ticket, kind="shipment.received")
    assert event.customer_visible
    assert "后壳有划痕" in event.message
    with pytest.raises(InvalidTransition):
        shipment_receive(waybill_no=inbound.waybill_no, by=centre_manager, photos=[("a.jpg", _jpeg())])


def test_the_admin_scan_page_receives_the_parcel(client, inbound, centre_manager):
    client.force_login(centre_manager)
    assert client.get("/admin/logistics/shipment/receive/").status_code == 200
    photo = io.BytesIO(_jpeg())
    photo.name = "arrived.jpg"
    response = client.post("/admin/logistics/shipment/receive/", {"waybill_no": inbound.waybill_no,
                                                                  "photos": [photo], "condition_note": "完好"})
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.status == Shipment.Status.RECEIVED
    listing = client.get("/admin/logistics/shipment/")
    assert listing.status_code == 200
    assert inbound.waybill_no in listing.content.decode()


def test_the_customer_chooses_pickup_at_the_counter(client, inbound):
    url = f"/t/{inbound.ticket.tracking_token}/shipping/return/"
    assert client.post(url, {"choice": "pickup"}).status_code == 302
    inbound.refresh_from_db()
    assert inbound.return_choice == Shipment.ReturnChoice.PICKUP
    with pytest.raises(ValidationFailed):
        shipment_return_choose(ticket=inbound.ticket, choice="drone")


def test_freight_follows_the_warranty_decision(mail_in, paid_repair_factory):
    Ticket.objects.filter(pk=mail_in.pk).update(warranty_preview={"in_warranty": True})
    mail_in.refresh_from_db()
    assert freight_payer_for(ticket=mail_in, direction="inbound")[0] == Shipment.Payer.COMPANY
    Ticket.objects.filter(pk=mail_in.pk).update(warranty_preview={"in_warranty": False})
    mail_in.refresh_from_db()
    assert freight_payer_for(ticket=mail_in, direction="inbound")[0] == Shipment.Payer.CUSTOMER
    order = paid_repair_factory()  # water damage: out of 三包, the consumer pays
    payer, basis = freight_payer_for(ticket=order.ticket, direction="return")
    assert payer == Shipment.Payer.CUSTOMER
    assert "三包" in basis


@pytest.fixture
def paid_repair_factory(workshop, png, qc_user):
    from tests.repairs.payments.conftest import build_paid_repair

    return lambda: build_paid_repair(workshop, png, qc_user)


def test_the_technician_sees_the_jobs_shipments(client, inbound, workshop):
    from tests.api.conftest import client_for

    client.post(PUSH_URL, route_push(inbound.waybill_no, "50"))
    rows = client_for(workshop["technician"].user).get(f"/api/v1/jobs/{inbound.ticket_id}/shipments/").json()
    assert [r["waybill_no"] for r in rows] == [inbound.waybill_no]
    assert rows[0]["status"] == "in_transit"
    assert rows[0]["events"][0]["op_code"] == "50"
