from __future__ import annotations

from decimal import Decimal

import pytest

from parts.exceptions import InsufficientStock, TransferNotAllowed
from parts.models import StockLevel, Transfer
from parts.selectors import (
    ledger_differences,
    stock_in_transit,
    stock_level_list,
    transfer_source_suggestions,
)
from parts.services import (
    stock_receive,
    transfer_approve,
    transfer_cancel,
    transfer_emergency_create,
    transfer_receive,
    transfer_request,
    transfer_ship,
)
from tests import factories
from tickets.exceptions import PermissionDeniedError, ValidationFailed


def loc(code, lat, lon, kind="center"):
    return factories.LocationFactory(code=code, name=code, kind=kind, latitude=Decimal(lat), longitude=Decimal(lon))


@pytest.fixture
def network(db):
    part = factories.PartFactory(sku="BAT-1", name="电池")
    shanghai = loc("SH", "31.23", "121.47")
    suzhou = loc("SZ", "31.30", "120.58")
    beijing = loc("BJ", "39.90", "116.40", kind="regional")
    hangzhou = loc("HZ", "30.27", "120.15")
    for place, qty in ((suzhou, 5), (beijing, 50), (hangzhou, 1)):
        stock_receive(part=part, location=place, quantity=qty, by=None)
    return part, shanghai, suzhou, beijing, hangzhou


def level(part, location):
    return StockLevel.objects.get(part=part, location=location)


def test_full_flow_with_in_transit(network, warehouse_user):
    part, shanghai, suzhou, *_ = network
    t = transfer_request(part=part, source=suzhou, destination=shanghai, quantity=3, by=warehouse_user)
    assert t.status == "requested"
    assert level(part, suzhou).reserved == 0
    transfer_approve(transfer=t, by=warehouse_user)
    assert (level(part, suzhou).on_hand, level(part, suzhou).reserved) == (5, 3)
    transfer_ship(transfer=t, by=warehouse_user, tracking_no="SF123")
    assert t.status == "shipped"
    assert (level(part, suzhou).on_hand, level(part, suzhou).reserved) == (2, 0)
    assert stock_in_transit(location=shanghai, part=part) == 3
    row = stock_level_list(location=shanghai).filter(part=part).first()
    assert row is None or row.in_transit_qty == 3
    transfer_receive(transfer=t, by=warehouse_user)
    assert level(part, shanghai).on_hand == 3
    assert stock_in_transit(location=shanghai, part=part) == 0
    assert ledger_differences() == []


ACTIONS = {"approve": transfer_approve, "ship": transfer_ship, "receive": transfer_receive, "cancel": transfer_cancel}
PATH = {"requested": [], "approved": ["approve"], "shipped": ["approve", "ship"],
        "received": ["approve", "ship", "receive"], "cancelled": ["cancel"]}
ALLOWED = {("requested", "approve"), ("requested", "cancel"), ("approved", "ship"), ("approved", "cancel"),
           ("shipped", "receive")}


@pytest.mark.parametrize("state", list(PATH))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_matrix(network, state, action):
    part, shanghai, suzhou, *_ = network
    t = transfer_request(part=part, source=suzhou, destination=shanghai, quantity=1, by=None)
    for step in PATH[state]:
        ACTIONS[step](transfer=t, by=None)
    assert t.status == state
    if (state, action) in ALLOWED:
        ACTIONS[action](transfer=t, by=None)
    else:
        with pytest.raises(TransferNotAllowed):
            ACTIONS[action](transfer=t, by=None)
        t.refresh_from_db()
        assert t.status == state
    assert ledger_differences() == []


def test_cancel_after_approval_releases_hold(network):
    part, shanghai, suzhou, *_ = network
    t = transfer_request(part=part, source=suzhou, destination=shanghai, quantity=4, by=None)
    transfer_approve(transfer=t, by=None)
    transfer_cancel(transfer=t, by=None, reason="客户取消")
    assert level(part, suzhou).reserved == 0
    assert "客户取消" in t.note


def test_approve_fails_without_stock(network):
    part, shanghai, _suzhou, _beijing, hangzhou = network
    t = transfer_request(part=part, source=hangzhou, destination=shanghai, quantity=2, by=None)
    with pytest.raises(InsufficientStock):
        transfer_approve(transfer=t, by=None)
    t.refresh_from_db()
    assert t.status == "requested"


def test_request_validation_and_permissions(network, agent, technician):
    part, shanghai, suzhou, *_ = network
    with pytest.raises(ValidationFailed):
        transfer_request(part=part, source=suzhou, destination=suzhou, quantity=1, by=None)
    with pytest.raises(PermissionDeniedError):
        transfer_request(part=part, source=suzhou, destination=shanghai, quantity=1, by=agent)
    t = transfer_request(part=part, source=suzhou, destination=shanghai, quantity=1, by=technician.user)
    with pytest.raises(PermissionDeniedError):
        transfer_approve(transfer=t, by=technician.user)


def test_suggestions_nearest_first_with_enough_stock(network):
    part, shanghai, suzhou, beijing, hangzhou = network
    near = transfer_source_suggestions(part=part, destination=shanghai, quantity=1)
    assert [s.location for s in near] == [suzhou, hangzhou, beijing]
    assert 75 < near[0].distance_km < 95
    assert [s.location for s in transfer_source_suggestions(part=part, destination=shanghai, quantity=2)] == [
        suzhou, beijing]
    assert [s.location for s in transfer_source_suggestions(part=part, destination=shanghai, quantity=10)] == [beijing]


def test_emergency_transfer_from_nearest(network, warehouse_user):
    part, shanghai, suzhou, *_ = network
    ticket = factories.TicketFactory()
    t = transfer_emergency_create(part=part, destination=shanghai, quantity=2, by=warehouse_user, ticket=ticket)
    assert (t.source, t.is_emergency, t.status) == (suzhou, True, "approved")
    with pytest.raises(InsufficientStock):
        transfer_emergency_create(part=part, destination=shanghai, quantity=500, by=warehouse_user)
    assert Transfer.objects.count() == 1


def test_serialized_units_travel_with_the_transfer(db):
    from parts.exceptions import SerialScanRejected
    from parts.labels import label_payload
    from parts.services import serial_unit_scan, serial_units_receive

    part = factories.PartFactory(sku="SER-T", is_serialized=True)
    src = factories.LocationFactory(code="SER-S")
    dst = factories.LocationFactory(code="SER-D")
    units = serial_units_receive(part=part, location=src, serials=["T-1", "T-2", "T-3"], by=None)
    t = transfer_request(part=part, source=src, destination=dst, quantity=2, by=None)
    transfer_approve(transfer=t, by=None)
    with pytest.raises(ValidationFailed):
        transfer_ship(transfer=t, by=None, serial_units=[units[0]])
    transfer_ship(transfer=t, by=None, serial_units=[units[1], units[2]])
    for u in units:
        u.refresh_from_db()
    assert [u.status for u in units] == ["in_stock", "in_transit", "in_transit"]
    with pytest.raises(SerialScanRejected) as err:
        serial_unit_scan(payload=label_payload(units[1]))
    assert err.value.reason == "not_available"
    transfer_receive(transfer=t, by=None)
    for u in units:
        u.refresh_from_db()
    assert [(u.status, u.location) for u in units[1:]] == [("in_stock", dst), ("in_stock", dst)]
    assert serial_unit_scan(payload=label_payload(units[2]), location=dst) == units[2]
    assert ledger_differences() == []


def test_serialized_ship_picks_oldest_units_when_none_given(db):
    from parts.services import serial_units_receive

    part = factories.PartFactory(sku="SER-F", is_serialized=True)
    src = factories.LocationFactory(code="SER-FS")
    dst = factories.LocationFactory(code="SER-FD")
    first, _second = serial_units_receive(part=part, location=src, serials=["F-1", "F-2"], by=None)
    t = transfer_request(part=part, source=src, destination=dst, quantity=1, by=None)
    transfer_approve(transfer=t, by=None)
    transfer_ship(transfer=t, by=None)
    assert list(t.serial_units.all()) == [first]
