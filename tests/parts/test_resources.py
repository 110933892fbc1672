from __future__ import annotations

from decimal import Decimal

import pytest
import tablib

from parts.models import Part, StockLevel, StockMovement
from parts.resources import PartResource, StockLevelResource
from parts.selectors import ledger_differences
from parts.services import reservation_create, stock_receive
from tests import factories


def dataset(headers, *rows):
    return tablib.Dataset(*rows, headers=headers)


PART_HEADERS = ["sku", "name", "category", "compatible_models", "cost_price", "retail_price", "warranty_days",
                "is_serialized", "main_part_for", "supplier", "supplier_warranty_days", "lead_time_days",
                "is_active"]


def test_catalog_import_creates_parts_with_models(db, warehouse_user):
    factories.ProductModelFactory(code="PM-A")
    factories.ProductModelFactory(code="PM-B")
    data = dataset(PART_HEADERS,
                   ["scr-a", "A 屏幕", "screen", "PM-A,PM-B", "120.50", "299", "180", "1", "phone", "某供应商",
                    "365", "10", "1"],
                   ["bat-a", "A 电池", "battery", "PM-A", "40", "99", "90", "0", "", "", "365", "7", "1"])
    result = PartResource().import_data(data, dry_run=False, user=warehouse_user)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    part = Part.objects.get(sku="SCR-A")
    assert part.cost_price == Decimal("120.50")
    assert part.is_serialized
    assert part.main_part_for == ["phone"]
    assert sorted(part.compatible_models.values_list("code", flat=True)) == ["PM-A", "PM-B"]


def test_catalog_import_writes_nothing_when_a_row_is_bad(db):
    factories.ProductModelFactory(code="PM-A")
    data = dataset(PART_HEADERS,
                   ["OK-1", "好行", "screen", "PM-A", "10", "20", "90", "0", "", "", "365", "7", "1"],
                   ["BAD-1", "坏行", "no-such-category", "PM-A", "-5", "20", "90", "0", "", "", "365", "7", "1"],
                   ["BAD-2", "坏行2", "screen", "PM-ZZZ", "10", "20", "90", "0", "", "", "365", "7", "1"])
    result = PartResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "category" in invalid[2]
    assert "compatible_models" in invalid[3]
    assert not Part.objects.exists()


def test_catalog_export_roundtrip(db):
    pm = factories.ProductModelFactory(code="PM-E")
    part = factories.PartFactory(sku="EXP-1", main_part_for=["laptop"])
    part.compatible_models.add(pm)
    exported = PartResource().export()
    row = dict(zip(exported.headers, exported[0]))
    assert row["sku"] == "EXP-1"
    assert row["compatible_models"] == "PM-E"
    assert row["main_part_for"] == "laptop"
    assert exported.export("xlsx")[:2] == b"PK"


STOCK_HEADERS = ["sku", "location", "on_hand", "reorder_point"]


@pytest.fixture
def catalog(db):
    part = factories.PartFactory(sku="STK-1")
    loc_a = factories.LocationFactory(code="WH-A")
    loc_b = factories.LocationFactory(code="WH-B")
    stock_receive(part=part, location=loc_a, quantity=5, by=None)
    return part, loc_a, loc_b


def test_stock_import_goes_through_the_ledger(catalog, warehouse_user):
    part, loc_a, loc_b = catalog
    data = dataset(STOCK_HEADERS, ["STK-1", "WH-A", "8", "2"], ["STK-1", "WH-B", "4", ""])
    result = StockLevelResource().import_data(data, dry_run=False, user=warehouse_user)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    a = StockLevel.objects.get(part=part, location=loc_a)
    assert (a.on_hand, a.reorder_point) == (8, 2)
    assert StockLevel.objects.get(part=part, location=loc_b).on_hand == 4
    adjusts = StockMovement.objects.filter(kind="adjust").order_by("id")
    assert [m.on_hand_delta for m in adjusts] == [3, 4]
    assert all(m.actor == warehouse_user for m in adjusts)
    assert ledger_differences() == []


def test_stock_import_dry_run_writes_nothing(catalog):
    part, loc_a, _ = catalog
    result = StockLevelResource().import_data(dataset(STOCK_HEADERS, ["STK-1", "WH-A", "9", "1"]), dry_run=True)
    assert not result.has_validation_errors()
    assert StockLevel.objects.get(part=part, location=loc_a).on_hand == 5
    assert StockMovement.objects.count() == 1


def test_stock_import_rejects_whole_file_on_any_bad_row(catalog):
    part, loc_a, _ = catalog
    reservation_create(part=part, location=loc_a, quantity=4, by=None)
    data = dataset(STOCK_HEADERS,
                   ["STK-1", "WH-B", "7", "0"],
                   ["STK-1", "WH-A", "3", "0"],
                   ["NOPE", "WH-A", "1", "0"],
                   ["STK-1", "WH-Z", "1", "0"],
                   ["STK-1", "WH-B", "-2", "0"],
                   ["STK-1", "WH-B", "1.5", "0"])
    result = StockLevelResource().import_data(data, dry_run=False)
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4, 5, 6}
    assert "库存不足" in " ".join(invalid[2]["on_hand"])
    assert "sku" in invalid[3]
    assert "location" in invalid[4]
    assert StockMovement.objects.count() == 2
    assert not StockLevel.objects.filter(location__code="WH-B").exists()


def test_stock_export_shows_available(catalog):
    part, loc_a, _ = catalog
    reservation_create(part=part, location=loc_a, quantity=2, by=None)
    exported = StockLevelResource().export()
    row = dict(zip(exported.headers, exported[0]))
    assert (row["sku"], row["location"], row["on_hand"], row["reserved"], row["available"]) == (
        "STK-1", "WH-A", "5", "2", "3")
