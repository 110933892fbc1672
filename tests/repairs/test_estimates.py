"""Price list lookups, the intake preview stored on the ticket, and on-site visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from repairs.models import PriceListItem
from repairs.selectors import price_range_for
from repairs.services import price_item_upsert, visit_check_in, visit_depart
from tests import factories
from tickets.exceptions import ValidationFailed
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_assign, ticket_triage

pytestmark = pytest.mark.django_db


def test_price_range_sums_required_and_optional(workshop):
    w = workshop
    assert price_range_for(product_model_id=w["model"].pk, fault_category_id=w["fault"].pk) == \
        (Decimal("779.00"), Decimal("809.00"))
    assert price_range_for(product_model_id=w["model"].pk, fault_category_id=None) is None


def test_price_versions_by_validity_date(workshop):
    w = workshop
    today = timezone.localdate()
    price_item_upsert(product_model=w["model"], fault_category=w["fault"], kind="labor", code="L-SCREEN",
                      name="更换屏幕工时", unit_price=Decimal("100"), valid_from=today + dt.timedelta(days=10))
    old = PriceListItem.objects.get(code="L-SCREEN", unit_price=Decimal("80"))
    assert old.valid_to == today + dt.timedelta(days=9)
    assert price_range_for(product_model_id=w["model"].pk, fault_category_id=w["fault"].pk)[0] == Decimal("779.00")
    later = today + dt.timedelta(days=10)
    assert price_range_for(product_model_id=w["model"].pk, fault_category_id=w["fault"].pk, on=later)[0] == \
        Decimal("799.00")
    with pytest.raises(ValidationFailed):
        price_item_upsert(product_model=w["model"], fault_category=w["fault"], kind="labor", code="X", name="x",
                          unit_price=Decimal("-1"), valid_from=today)


def test_price_range_uses_constant_queries(workshop, django_assert_num_queries):
    w = workshop
    for n in range(20):
        price_item_upsert(product_model=w["model"], fault_category=w["fault"], kind="service", code=f"S{n}",
                          name=f"服务{n}", unit_price=Decimal("10"), valid_from=timezone.localdate(), optional=True)
    with django_assert_num_queries(1):
        price_range_for(product_model_id=w["model"].pk, fault_category_id=w["fault"].pk)


def test_intake_preview_and_price_range_on_the_ticket(workshop, django_capture_on_commit_callbacks):
    w = workshop
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.TicketFactory(customer=w["customer"], device=w["device"], fault_category=w["fault"])
    ticket = Ticket.objects.get(pk=ticket.pk)
    preview = ticket.warranty_preview
    assert preview["preview"] is True
    assert preview["summary"].startswith("预判：")
    assert "免费维修" in preview["summary"]
    assert ticket.price_min == Decimal("779.00")
    assert ticket.price_max == Decimal("809.00")
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.estimate", customer_visible=True).exists()


def test_preview_after_triage_when_category_arrives_later(workshop, django_capture_on_commit_callbacks):
    w = workshop
    ticket = factories.TicketFactory(customer=w["customer"], device=w["device"])  # receivers not run
    assert Ticket.objects.get(pk=ticket.pk).price_min is None
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=None, fault_category=w["fault"])
    assert Ticket.objects.get(pk=ticket.pk).price_min == Decimal("779.00")


def test_on_site_visit_check_in_records_place_and_flags_far(workshop):
    w = workshop
    ticket = factories.TicketFactory(customer=w["customer"], device=w["device"], service_mode="on_site")
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=w["fault"])
    ticket = ticket_assign(ticket=ticket, technician=w["technician"], by=None)
    tech = w["technician"]
    visit = visit_depart(ticket=ticket, technician=tech, by=tech.user)
    assert visit.departed_at is not None
    near = visit_check_in(ticket=ticket, technician=tech, latitude="31.230500", longitude="121.473800", by=tech.user)
    assert near.distance_m < 50
    assert not near.is_far
    far = visit_check_in(ticket=ticket, technician=tech, latitude="31.300000", longitude="121.500000", by=tech.user)
    assert far.is_far
    assert TicketEvent.objects.filter(ticket=ticket, kind="visit.far_check_in").count() == 1
    with pytest.raises(ValidationFailed):
        visit_check_in(ticket=ticket, technician=tech, latitude="95", longitude="0", by=tech.user)
