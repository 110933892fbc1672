from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from parts.exceptions import InsufficientStock, InvalidQuantity
from parts.models import StockLevel, StockMovement
from parts.services import stock_adjust, stock_receive, stock_reorder_point_set, stock_scrap, stock_set
from tests import factories
from tickets.exceptions import PermissionDeniedError, ValidationFailed


def level(part, location):
    return StockLevel.objects.get(part=part, location=location)


def test_receive_writes_level_and_movement(stocked, warehouse_user):
    part, location = stocked
    stock_receive(part=part, location=location, quantity=5, by=warehouse_user, reference="PO-2")
    lv = level(part, location)
    assert (lv.on_hand, lv.reserved, lv.available) == (15, 0, 15)
    mv = StockMovement.objects.filter(part=part).order_by("id").last()
    assert (mv.kind, mv.on_hand_delta, mv.reserved_delta, mv.actor, mv.reference) == (
        "receive", 5, 0, warehouse_user, "PO-2")


@pytest.mark.parametrize("qty", [0, -1, 1.5, True, "3"])
def test_receive_rejects_bad_quantity(stocked, qty):
    part, location = stocked
    with pytest.raises(InvalidQuantity):
        stock_receive(part=part, location=location, quantity=qty, by=None)
    assert level(part, location).on_hand == 10


def test_adjust_needs_reason_and_cannot_go_below_reserved(stocked):
    from parts.services import reservation_create

    part, location = stocked
    with pytest.raises(ValidationFailed):
        stock_adjust(part=part, location=location, delta=-1, reason=" ", by=None)
    reservation_create(part=part, location=location, quantity=8, by=None)
    with pytest.raises(InsufficientStock):
        stock_adjust(part=part, location=location, delta=-3, reason="盘亏", by=None)
    stock_adjust(part=part, location=location, delta=-2, reason="盘亏", by=None)
    lv = level(part, location)
    assert (lv.on_hand, lv.reserved) == (8, 8)
    assert StockMovement.objects.filter(kind="adjust").get().reason == "盘亏"


def test_scrap_and_set(stocked):
    part, location = stocked
    stock_scrap(part=part, location=location, quantity=3, reason="运输损坏", by=None)
    assert level(part, location).on_hand == 7
    stock_set(part=part, location=location, on_hand=12, reorder_point=4, by=None, reason="盘点")
    lv = level(part, location)
    assert (lv.on_hand, lv.reorder_point) == (12, 4)
    assert StockMovement.objects.filter(kind="adjust").get().on_hand_delta == 5
    with pytest.raises(InvalidQuantity):
        stock_reorder_point_set(part=part, location=location, reorder_point=-1, by=None)


def test_insufficient_stock_has_clear_message(stocked):
    part, location = stocked
    with pytest.raises(InsufficientStock) as err:
        stock_scrap(part=part, location=location, quantity=11, reason="x", by=None)
    assert "库存不足" in str(err.value)
    assert "可用 10" in str(err.value)
    assert err.value.code == "insufficient_stock"
    assert err.value.extra["available"] == 10
    assert StockMovement.objects.count() == 1


def test_permission_is_checked(stocked, technician):
    part, location = stocked
    with pytest.raises(PermissionDeniedError):
        stock_receive(part=part, location=location, quantity=1, by=technician.user)


def test_db_constraints_hold_outside_services(stocked):
    part, location = stocked
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=part).update(reserved=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=part).update(reserved=-1, on_hand=0)


def test_ledger_is_append_only(stocked):
    mv = StockMovement.objects.get()
    mv.reason = "edited"
    with pytest.raises(ValueError, match="append-only"):
        mv.save()
    with pytest.raises(ValueError, match="append-only"):
        mv.delete()


def test_verify_ledger_command(stocked, capsys):
    part, location = stocked
    other = factories.LocationFactory(code="BJ-C01", name="北京网点仓")
    stock_receive(part=part, location=other, quantity=3, by=None)
    call_command("parts_verify_ledger")
    assert "ledger OK" in capsys.readouterr().out
    StockLevel.objects.filter(location=other).update(on_hand=4)
    with pytest.raises(CommandError, match="1 stock level"):
        call_command("parts_verify_ledger")
    out = capsys.readouterr().out
    assert "BJ-C01" in out
    assert "on_hand 4 vs ledger 3" in out
