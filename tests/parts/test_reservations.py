from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from parts.exceptions import InsufficientStock, ReservationNotActive
from parts.models import Reservation, StockLevel, StockMovement
from parts.selectors import ledger_differences
from parts.services import (
    reservation_consume,
    reservation_create,
    reservation_release,
    reservations_expire_due,
    serial_units_receive,
)
from tests import factories
from tickets.exceptions import PermissionDeniedError, ValidationFailed


def lv(part, location):
    return StockLevel.objects.get(part=part, location=location)


def test_reserve_release_consume_cycle(stocked, technician):
    part, location = stocked
    ticket = factories.TicketFactory()
    r1 = reservation_create(part=part, location=location, quantity=3, by=technician.user, ticket=ticket,
                            reference="RO-1")
    assert (lv(part, location).reserved, lv(part, location).available) == (3, 7)
    assert ticket.events.filter(kind="part.reserved").exists()
    reservation_release(reservation=r1, by=technician.user, reason="客户拒绝报价")
    assert r1.status == Reservation.Status.RELEASED
    assert r1.close_reason == "客户拒绝报价"
    assert lv(part, location).reserved == 0
    with pytest.raises(ReservationNotActive):
        reservation_release(reservation=r1, by=technician.user)
    r2 = reservation_create(part=part, location=location, quantity=2, by=technician.user, ticket=ticket)
    reservation_consume(reservation=r2, by=technician.user)
    level = lv(part, location)
    assert (level.on_hand, level.reserved) == (8, 0)
    fitted = ticket.events.get(kind="part.fitted")
    assert fitted.customer_visible
    assert part.name in fitted.message
    kinds = list(StockMovement.objects.filter(part=part).order_by("id").values_list("kind", flat=True))
    assert kinds == ["receive", "reserve", "release", "reserve", "consume"]
    assert ledger_differences() == []


def test_reservation_cannot_oversell(stocked):
    part, location = stocked
    reservation_create(part=part, location=location, quantity=10, by=None)
    with pytest.raises(InsufficientStock):
        reservation_create(part=part, location=location, quantity=1, by=None)
    assert Reservation.objects.count() == 1


def test_reservation_needs_permission(stocked, agent):
    part, location = stocked
    with pytest.raises(PermissionDeniedError):
        reservation_create(part=part, location=location, quantity=1, by=agent)


def test_inactive_part_cannot_be_reserved(stocked):
    part, location = stocked
    part.is_active = False
    part.save()
    with pytest.raises(ValidationFailed):
        reservation_create(part=part, location=location, quantity=1, by=None)


def test_serialized_consume_records_the_unit(db, location, technician):
    part = factories.PartFactory(sku="MB-01", name="主板", is_serialized=True)
    (unit,) = serial_units_receive(part=part, location=location, serials=["sn-0001"], by=None)
    ticket = factories.TicketFactory()
    r = reservation_create(part=part, location=location, quantity=1, by=technician.user, ticket=ticket)
    with pytest.raises(ValidationFailed, match="必须扫码"):
        reservation_consume(reservation=r, by=technician.user)
    reservation_consume(reservation=r, by=technician.user, serial_unit=unit, device_serial="860000000000001")
    r.refresh_from_db()
    unit.refresh_from_db()
    assert r.fitted_serial == "SN-0001"
    assert r.serial_unit == unit
    assert unit.status == "fitted"
    assert unit.fitted_ticket == ticket
    assert unit.location is None
    assert "SN-0001" in ticket.events.get(kind="part.fitted").message
    assert StockMovement.objects.get(kind="consume").serial_unit == unit


def test_consume_rejects_unit_of_other_part_or_place(db, location):
    part = factories.PartFactory(sku="MB-02", is_serialized=True)
    other = factories.PartFactory(sku="MB-03", is_serialized=True)
    elsewhere = factories.LocationFactory(code="X-1")
    (wrong_part,) = serial_units_receive(part=other, location=location, serials=["A1"], by=None)
    (far_unit,) = serial_units_receive(part=part, location=elsewhere, serials=["A2"], by=None)
    serial_units_receive(part=part, location=location, serials=["A3"], by=None)
    r = reservation_create(part=part, location=location, quantity=1, by=None)
    with pytest.raises(ValidationFailed):
        reservation_consume(reservation=r, by=None, serial_unit=wrong_part)
    with pytest.raises(ValidationFailed):
        reservation_consume(reservation=r, by=None, serial_unit=far_unit)
    r.refresh_from_db()
    assert r.status == "active"


def test_expiry_releases_overdue_reservations(stocked):
    part, location = stocked
    ticket = factories.TicketFactory()
    old = reservation_create(part=part, location=location, quantity=4, by=None, ticket=ticket)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=100)):
        fresh = reservation_create(part=part, location=location, quantity=1, by=None)
        assert reservations_expire_due() == 1
        assert reservations_expire_due() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "expired"
    assert fresh.status == "active"
    assert lv(part, location).reserved == 1
    assert ticket.events.filter(kind="part.reservation_expired").exists()
    assert ledger_differences() == []


def test_expiry_schedule_is_created_idempotently(db):
    from django_q.models import Schedule

    from parts.schedules import schedules_ensure

    schedules_ensure()
    schedules_ensure()
    names = sorted(Schedule.objects.filter(name__startswith="parts.").values_list("name", flat=True))
    assert names == ["parts.reservations_expire_due", "parts.stock_low_alerts_daily"]
    assert Schedule.objects.get(name="parts.reservations_expire_due").func == "parts.tasks.reservations_expire_due"


def test_expiry_task_entry_point(stocked):
    from parts.tasks import reservations_expire_due as task

    part, location = stocked
    reservation_create(part=part, location=location, quantity=1, by=None)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        assert task() == 1


def test_fitted_unit_warranty_end(db, location):
    from parts.selectors import serial_unit_by_serial, serial_unit_warranty_end

    part = factories.PartFactory(sku="WAR-1", is_serialized=True, warranty_days=90)
    (unit,) = serial_units_receive(part=part, location=location, serials=["w-1"], by=None)
    assert serial_unit_warranty_end(unit=unit) is None
    r = reservation_create(part=part, location=location, quantity=1, by=None)
    reservation_consume(reservation=r, by=None, serial_unit=unit)
    found = serial_unit_by_serial(serial=" w-1 ")
    assert found == unit
    assert serial_unit_warranty_end(unit=found) == timezone.localdate() + dt.timedelta(days=90)
