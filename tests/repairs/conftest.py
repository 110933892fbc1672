from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from repairs.services import price_item_upsert
from tests import factories
from tickets.services import ticket_assign, ticket_triage


def png_bytes(color="black", size=(240, 90)) -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (120, 70), (200, 15)], fill=color, width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def png():
    return png_bytes


@pytest.fixture
def workshop(db, technician):
    """A center with stock, a phone bought 60 days ago, a ticket assigned to the technician, a price list."""
    center = technician.center
    location = factories.LocationFactory(center=center)
    part = factories.PartFactory(name="屏幕总成", retail_price=Decimal("699.00"))
    factories.StockLevelFactory(part=part, location=location, on_hand=5)
    model = factories.ProductModelFactory(brand="华为", category="phone")
    customer = factories.CustomerFactory()
    device = factories.DeviceFactory(product_model=model, owner=customer, invoice_number="INV-1",
                                     purchase_price=Decimal("3999.00"))
    fault = factories.FaultCategoryFactory(code="screen", name="屏幕故障")
    today = timezone.localdate()
    price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L-SCREEN", name="更换屏幕工时",
                      unit_price=Decimal("80"), valid_from=today - dt.timedelta(days=30))
    price_item_upsert(product_model=model, fault_category=fault, kind="part", code="P-SCREEN", name="屏幕总成",
                      unit_price=Decimal("699"), valid_from=today - dt.timedelta(days=30), part=part)
    price_item_upsert(product_model=model, fault_category=fault, kind="service", code="S-CLEAN", name="清洁保养",
                      unit_price=Decimal("30"), valid_from=today - dt.timedelta(days=30), optional=True)
    ticket = factories.TicketFactory(customer=customer, device=device, service_mode="walk_in")
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    ticket = ticket_assign(ticket=ticket, technician=technician, by=None)
    return {"center": center, "location": location, "part": part, "model": model, "device": device,
            "fault": fault, "ticket": ticket, "technician": technician, "customer": customer}
