"""Quote review and approval with a handwritten signature from the customer's page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from repairs.models import Quote, RepairOrder
from repairs.services import quote_create
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment, OneTimeCode, Ticket
from tickets.otp import otp_send
from tickets.progress.signature import signature_ink_pixels, signature_png_from_data_url

from .helpers import advance, png_signature, send_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def quoted(ticket, tech):
    advance(ticket, "triage", "assign", technician=tech)
    quote = send_quote(ticket)
    ticket.refresh_from_db()
    return ticket, quote


def test_page_asks_for_approval_and_shows_lines(client, quoted):
    ticket, quote = quoted
    assert ticket.status == Ticket.Status.WAITING_CUSTOMER
    page = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert f"/t/{ticket.tracking_token}/quote/{quote.pk}/" in page
    assert "查看并确认报价" in page
    html = client.get(f"/t/{ticket.tracking_token}/quote/{quote.pk}/").content.decode()
    assert "更换屏幕工时" in html
    assert "清洁保养" in html
    assert "signature-pad" in html
    assert f"¥{quote.total}" in html


def _code(ticket):
    from tickets.models import OneTimeCode
    from tickets.otp import otp_send

    return otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)


def test_approve_with_signature(client, quoted):
    ticket, quote = quoted
    response = client.post(
        f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
        {"action": "approve", "version": quote.version, "signer_name": "王小明", "signature": png_signature(),
         "otp_code": _code(ticket)},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)", REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    assert quote.signer_name == "王小明"
    assert quote.signer_ip == "10.9.8.7"
    assert quote.signature.kind == Attachment.Kind.SIGNATURE
    assert RepairOrder.objects.get(pk=quote.repair_order_id).status == RepairOrder.Status.APPROVED
    page = client.get(response["Location"]).content.decode()
    assert "已确认报价" in page
    assert "王小明 已确认报价" in page


def test_blank_signature_is_refused_and_changes_nothing(client, quoted):
    ticket, quote = quoted
    response = client.post(
        f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
        {"action": "approve", "version": quote.version, "signer_name": "王小明", "signature": png_signature(strokes=0)},
    )
    assert response.status_code == 400
    assert "签名过于简单或为空" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_decline(client, quoted):
    ticket, quote = quoted
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    response = client.post(f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
                           {"action": "decline", "version": quote.version, "reason": "太贵了", "otp_code": code})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DECLINED
    assert quote.decline_reason == "太贵了"


def test_changed_quote_needs_new_approval(client, quoted):
    from repairs.services import quote_send, repair_start

    ticket, quote = quoted
    url = f"/t/{ticket.tracking_token}/quote/{quote.pk}/"
    signed = {"action": "approve", "version": quote.version, "signer_name": "王小明", "signature": png_signature(),
              "otp_code": _code(ticket)}
    assert client.post(url, signed).status_code == 302
    order = repair_start(repair_order=RepairOrder.objects.get(pk=quote.repair_order_id), by=None)
    newer = quote_create(repair_order=order, lines=[
        {"kind": "service", "description": "更换防水胶圈", "unit_price": Decimal("49"), "chargeable": True}], by=None)
    quote_send(quote=newer, by=None)
    page = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert f"/quote/{newer.pk}/" in page
    assert "查看并确认报价" in page
    # the approved version cannot be signed again, and the new one is still waiting
    again = client.post(url, signed)
    assert again.status_code == 400
    assert "签字确认" in client.get(f"/t/{ticket.tracking_token}/quote/{newer.pk}/").content.decode()
    newer.refresh_from_db()
    assert newer.status == Quote.Status.SENT
    assert newer.version == 2


def test_quote_of_another_ticket_is_not_found(client, quoted, fault):
    from tests import factories

    _ticket, quote = quoted
    other = factories.TicketFactory(fault_category=fault)
    assert client.get(f"/t/{other.tracking_token}/quote/{quote.pk}/").status_code == 404


def test_signature_decoding():
    assert signature_ink_pixels(b"not a png") == 0
    with pytest.raises(ValidationFailed):
        signature_png_from_data_url("data:image/jpeg;base64,AAAA")
    with pytest.raises(ValidationFailed):
        signature_png_from_data_url("data:image/png;base64,@@@")
    assert signature_png_from_data_url(png_signature()).startswith(b"\x89PNG")


def test_service_report_after_the_job_ends(client, quoted):
    ticket, quote = quoted
    url = f"/t/{ticket.tracking_token}/report.pdf"
    not_yet = client.get(url)
    assert not_yet.status_code == 302
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    client.post(f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
                {"action": "decline", "version": quote.version, "reason": "不修了", "otp_code": code})
    page = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_signer_ip_is_the_customer_behind_our_proxy(client, quoted, settings):
    settings.NUM_PROXIES = 1
    ticket, quote = quoted
    response = client.post(
        f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
        {"action": "approve", "version": quote.version, "signer_name": "王小明", "signature": png_signature(),
         "otp_code": _code(ticket)},
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.signer_ip == "203.0.113.7"
