from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from parts.exceptions import ClaimNotAllowed, DefectiveReturnError
from parts.models import StockLevel
from parts.selectors import ledger_differences
from parts.services import (
    defective_return_create,
    defective_return_receive,
    defective_return_scrap,
    defective_return_ship,
    reservation_consume,
    reservation_create,
    serial_units_receive,
    supplier_claim_create,
    supplier_claim_decide,
)
from tests import factories
from tickets.exceptions import ValidationFailed


@pytest.fixture
def setup(db):
    central = factories.LocationFactory(code="CW", name="中心仓", kind="central")
    store = factories.LocationFactory(code="CW-DEF", name="中心旧件库", kind="defective", parent=central)
    center = factories.LocationFactory(code="SC1", name="网点一", kind="center", parent=central)
    part = factories.PartFactory(sku="MB-9", name="主板", is_serialized=True, supplier="深圳某电子",
                                 supplier_warranty_days=180, cost_price=Decimal("800.00"))
    return part, central, store, center


def fit_unit(part, center, serial):
    (unit,) = serial_units_receive(part=part, location=center, serials=[serial], by=None)
    r = reservation_create(part=part, location=center, quantity=1, by=None)
    reservation_consume(reservation=r, by=None, serial_unit=unit)
    unit.refresh_from_db()
    return unit


def test_old_part_goes_back_and_is_claimed(setup, warehouse_user):
    part, _central, store, center = setup
    unit = fit_unit(part, center, "MB9-1")
    ticket = factories.TicketFactory()
    record = defective_return_create(part=part, from_location=center, by=None, ticket=ticket,
                                     removed_serial="mb9-1", fault_description="不开机")
    assert record.to_location == store
    assert record.serial_unit == unit
    unit.refresh_from_db()
    assert unit.status == "defective"
    defective_return_ship(defective_return=record, by=None)
    defective_return_receive(defective_return=record, by=warehouse_user)
    assert StockLevel.objects.get(part=part, location=store).on_hand == 1
    claim = supplier_claim_create(defective_return=record, by=warehouse_user)
    assert (claim.supplier, claim.amount) == ("深圳某电子", Decimal("800.00"))
    assert record.status == "claimed"
    assert StockLevel.objects.get(part=part, location=store).on_hand == 0
    unit.refresh_from_db()
    assert unit.status == "returned_to_supplier"
    supplier_claim_decide(claim=claim, status="accepted", by=warehouse_user)
    with pytest.raises(DefectiveReturnError):
        supplier_claim_decide(claim=claim, status="rejected", by=warehouse_user)
    assert ledger_differences() == []


def test_claim_rules(setup):
    part, _central, _store, center = setup
    unit = fit_unit(part, center, "MB9-2")
    with time_machine.travel(timezone.now() + dt.timedelta(days=200)):
        late = defective_return_create(part=part, from_location=center, by=None, serial_unit=unit)
        defective_return_receive(defective_return=late, by=None)
        with pytest.raises(ClaimNotAllowed, match="超过供应商质保期"):
            supplier_claim_create(defective_return=late, by=None)
    unknown = defective_return_create(part=part, from_location=center, by=None, removed_serial="FOREIGN-1")
    assert unknown.serial_unit is None
    with pytest.raises(DefectiveReturnError):
        supplier_claim_create(defective_return=unknown, by=None)
    defective_return_receive(defective_return=unknown, by=None)
    with pytest.raises(ClaimNotAllowed, match="无法证明"):
        supplier_claim_create(defective_return=unknown, by=None)
    defective_return_scrap(defective_return=unknown, by=None, reason="无价值")
    assert unknown.status == "scrapped"
    assert ledger_differences() == []


def test_needs_a_defective_store(db):
    part = factories.PartFactory(sku="NO-STORE")
    center = factories.LocationFactory(code="LONE", kind="center")
    with pytest.raises(ValidationFailed):
        defective_return_create(part=part, from_location=center, by=None)


def test_shelf_unit_found_faulty_leaves_good_stock(setup):
    part, _central, _store, center = setup
    (unit,) = serial_units_receive(part=part, location=center, serials=["MB9-3"], by=None)
    defective_return_create(part=part, from_location=center, by=None, serial_unit=unit)
    assert StockLevel.objects.get(part=part, location=center).on_hand == 0
    assert ledger_differences() == []
