from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tickets.intake.estimate import estimate_refresh
from tickets.intake.routing import route_ticket
from tickets.intake.selectors import price_history_for
from tickets.models import Ticket, TicketEvent

# Lujiazui, Shanghai
LAT, LON = Decimal("31.239700"), Decimal("121.499800")


def _ticket(model, **kwargs):
    customer = factories.CustomerFactory(city=kwargs.pop("city", "上海市"), latitude=kwargs.pop("lat", LAT),
                                         longitude=kwargs.pop("lon", LON))
    return factories.TicketFactory(customer=customer, product_model=model, **kwargs)


def test_on_site_goes_to_the_nearest_center_serving_the_city_within_radius(db, taxonomy, fridge_model):
    near = factories.ServiceCenterFactory(code="A", city="上海市", latitude=Decimal("31.230000"),
                                          longitude=Decimal("121.480000"), service_modes=["on_site"])
    factories.ServiceCenterFactory(code="B", city="上海市", latitude=Decimal("31.100000"),
                                   longitude=Decimal("121.300000"), service_modes=["on_site"])
    factories.ServiceCenterFactory(code="C", province="江苏省", city="苏州市", latitude=Decimal("31.240000"),
                                   longitude=Decimal("121.499000"), service_modes=["on_site"],  # closer, other
                                   service_radius_km=0)  # city, no radius beyond its own city
    factories.ServiceCenterFactory(code="D", city="上海市", latitude=Decimal("31.239000"),  # nearest, walk-in only
                                   longitude=Decimal("121.499000"), service_modes=["walk_in"])
    ticket = _ticket(fridge_model)
    route = route_ticket(ticket=ticket, category=taxonomy["fridge.cooling"])
    assert route.service_center == near
    assert route.service_mode == "on_site"
    assert route.department == "hardware"
    assert route.distance_km == pytest.approx(2.2, abs=0.5)


def test_on_site_goes_to_a_centre_covering_the_area_by_code_or_radius(db, taxonomy, fridge_model):
    kunshan = factories.ServiceCenterFactory(code="K", province="江苏省", city="苏州市", coverage_codes=["310000"],
                                             latitude=Decimal("31.300000"), longitude=Decimal("121.300000"),
                                             service_modes=["on_site"], service_radius_km=0)
    far = factories.ServiceCenterFactory(code="F", city="上海市", latitude=Decimal("30.800000"),
                                         longitude=Decimal("121.200000"), service_modes=["on_site"],
                                         service_radius_km=10)
    route = route_ticket(ticket=_ticket(fridge_model), category=taxonomy["fridge.cooling"])
    assert route.service_center == kunshan != far  # both cover 上海市; Kunshan is nearer
    kunshan.coverage_codes = []
    kunshan.service_radius_km = 25  # Lujiazui is ~20 km away
    kunshan.save()
    assert route_ticket(ticket=_ticket(fridge_model), category=taxonomy["fridge.cooling"]).service_center == kunshan
    kunshan.service_radius_km = 10
    kunshan.save()
    assert route_ticket(ticket=_ticket(fridge_model), category=taxonomy["fridge.cooling"]).service_center == far


def test_center_product_categories_are_respected(db, taxonomy, fridge_model):
    factories.ServiceCenterFactory(code="P", city="上海市", latitude=LAT, longitude=LON,
                                   service_modes=["on_site"], product_categories=["phone"])
    appliance = factories.ServiceCenterFactory(code="Q", city="上海市", latitude=Decimal("31.300000"),
                                               longitude=Decimal("121.500000"), service_modes=["on_site"],
                                               product_categories=["fridge", "washer"])
    assert route_ticket(ticket=_ticket(fridge_model), category=taxonomy["fridge.cooling"]).service_center == appliance


def test_walk_in_without_a_local_center_becomes_mail_in(db, taxonomy, phone_model):
    beijing = factories.ServiceCenterFactory(code="BJ", city="北京市", latitude=Decimal("39.900000"),
                                             longitude=Decimal("116.400000"), service_modes=["walk_in", "mail_in"])
    ticket = _ticket(phone_model, city="拉萨市", lat=Decimal("29.650000"), lon=Decimal("91.100000"))
    route = route_ticket(ticket=ticket, category=taxonomy["phone.display"])
    assert route.service_mode == "mail_in"
    assert route.service_center == beijing


def test_remote_support_needs_no_center(db, taxonomy, phone_model, center):
    route = route_ticket(ticket=_ticket(phone_model), category=taxonomy["phone.software"])
    assert route.service_mode == "remote"
    assert route.service_center is None
    assert route.department == "software"


def test_without_coordinates_the_same_district_wins(db, taxonomy, phone_model):
    factories.ServiceCenterFactory(code="X1", city="上海市", district="闵行区", service_modes=["walk_in"])
    pudong = factories.ServiceCenterFactory(code="X2", city="上海市", district="浦东新区", service_modes=["walk_in"])
    customer = factories.CustomerFactory(city="上海市", district="浦东新区", latitude=None, longitude=None)
    ticket = factories.TicketFactory(customer=customer, product_model=phone_model)
    ticket.latitude = ticket.longitude = None
    assert route_ticket(ticket=ticket, category=taxonomy["phone.display"]).service_center == pudong


def _device(model, days):
    return factories.DeviceFactory(product_model=model, purchase_date=timezone.localdate() - dt.timedelta(days=days))


def test_the_preview_is_the_warranty_engines(db, taxonomy, phone_model):
    """The hub keeps no warranty table of its own: the 三包 engine answers the preview."""
    device = _device(phone_model, 30)
    ticket = factories.TicketFactory(customer=device.owner, device=device, fault_category=taxonomy["phone.display"])
    estimate_refresh(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.warranty_preview["preview"] is True
    assert ticket.warranty_preview["summary"].startswith("预判")
    assert ticket.warranty_preview["in_warranty"] is True


def test_price_range_from_history_and_stored_with_a_visible_event(db, taxonomy, phone_model):
    for low, high in (("299.00", "399.00"), ("349.00", "499.00")):
        old = factories.TicketFactory(product_model=phone_model, fault_category=taxonomy["phone.display"])
        Ticket.objects.filter(pk=old.pk).update(status=Ticket.Status.RESOLVED, price_min=Decimal(low),
                                                price_max=Decimal(high), resolved_at=timezone.now())
    assert price_history_for(product_model_id=phone_model.pk,
                             fault_category_id=taxonomy["phone.display"].pk) == (Decimal("299.00"), Decimal("499.00"), 2)
    device = _device(phone_model, 30)
    ticket = factories.TicketFactory(customer=device.owner, device=device, fault_category=taxonomy["phone.display"])
    estimate_refresh(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    # the price list (repairs) has no entry for this pair, so history answers
    assert (ticket.price_min, ticket.price_max) == (Decimal("299.00"), Decimal("499.00"))
    assert ticket.warranty_preview["in_warranty"] is True
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.estimate", customer_visible=True).count() == 1
    estimate_refresh(ticket_id=ticket.pk)  # again: nothing changed, nothing written
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.estimate").count() == 1


def test_triage_stores_the_estimate(db, taxonomy, phone_model, settings, django_capture_on_commit_callbacks):
    from tickets.intake.services import intake_submit

    settings.TRIAGE_MIN_CONFIDENCE = 0.8  # the estimate follows whatever triage decides

    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(channel="web", name="张三", phone="13800138000", description="电池鼓包了",
                               product_model=phone_model, serial=factories.make_imei(55),
                               purchase_date=timezone.localdate() - dt.timedelta(days=40))
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.warranty_preview.get("summary")
