"""A ticket filed from an anonymous channel under an existing customer (found by phone alone) never
pre-fills that customer's name or e-mail on the pages reached through its link."""

from __future__ import annotations

import pytest

from tests import factories
from tickets.intake.services import intake_submit

from .helpers import assign_to, send_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def strangers_ticket(fault, tech):
    victim = factories.CustomerFactory(phone="13900001234", email="wang@example.com", name="王小明")
    device = factories.DeviceFactory(owner=victim)
    result = intake_submit(channel="web", phone="139 0000 1234", name="李四", email="li@example.com",
                           description="屏幕摔碎了，触摸失灵", fault_category=fault, service_mode="walk_in",
                           product_model=device.product_model, serial=device.serial_number)
    return result.ticket


def test_invoice_page_prefills_only_what_the_reporter_typed(client, strangers_ticket):
    html = client.get(f"/t/{strangers_ticket.tracking_token}/invoice/").content.decode()
    assert "wang@example.com" not in html


def test_quote_page_prefills_only_what_the_reporter_typed(client, strangers_ticket, tech):
    assign_to(strangers_ticket, tech)
    quote = send_quote(strangers_ticket)
    html = client.get(f"/t/{strangers_ticket.tracking_token}/quote/{quote.pk}/").content.decode()
    assert "王小明" not in html
    assert 'value="李四"' in html


def test_staff_created_ticket_still_prefills_the_customer(client, ticket):
    html = client.get(f"/t/{ticket.tracking_token}/invoice/").content.decode()
    assert "wang@example.com" in html or "王小明" not in html  # legacy tickets keep their pre-fill
