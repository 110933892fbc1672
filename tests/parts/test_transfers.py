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
