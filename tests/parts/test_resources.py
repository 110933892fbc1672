"""Parts catalogue and opening stock import/export: through part_save and stock_set, so the ledger adds up."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from parts.models import Part, StockLevel, StockMovement
from parts.resources import PartExporter, PartImporter, StockExporter, StockImporter
from parts.selectors import ledger_differences
from parts.services import reservation_create, stock_receive
from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run, xlsx_bytes

PART_HEADERS = ["sku", "name", "category", "compatible_models", "cost_price", "retail_price", "warranty_days",
                "is_serialized", "main_part_for", "supplier", "supplier_warranty_days", "lead_time_days",
                "is_active"]


def test_catalog_import_creates_parts_with_models(db, warehouse_user):
    factories.ProductModelFactory(code="PM-A")
    factories.ProductModelFactory(code="PM-B")
    data = csv_bytes([PART_HEADERS,
                      ["scr-a", "A 屏幕", "screen", "PM-A,PM-B", "120.50", "299", "180", "1", "phone", "某供应商",
                       "365", "10", "1"],
                      ["bat-a", "A 电池", "电池", "PM-A", "40", "99", "90", "否", "", "", "365", "7", "是"]])
    report = run(PartImporter, data, by=warehouse_user)
    assert (report.created, report.failed) == (2, 0), report.errors
    part = Part.objects.get(sku="SCR-A")
    assert part.cost_price == Decimal("120.50")
    assert part.is_serialized
    assert part.main_part_for == ["phone"]
    assert sorted(part.compatible_models.values_list("code", flat=True)) == ["PM-A", "PM-B"]
    assert Part.objects.get(sku="BAT-A").category == "battery"


def test_chinese_headers_are_accepted(db, warehouse_user):
    data = csv_bytes([["物料编码", "名称", "类别", "成本价", "零售价"], ["X-1", "屏", "屏幕", "1", "2"]], encoding="gb18030")
    assert run(PartImporter, data, by=warehouse_user).created == 1


def test_catalog_import_writes_nothing_when_a_row_is_bad(db, warehouse_user):
    factories.ProductModelFactory(code="PM-A")
    data = csv_bytes([PART_HEADERS,
                      ["OK-1", "好行", "screen", "PM-A", "10", "20", "90", "0", "", "", "365", "7", "1"],
                      ["BAD-1", "坏行", "no-such-category", "PM-A", "-5", "20", "90", "0", "", "", "365", "7", "1"],
                      ["BAD-2", "坏行2", "screen", "PM-ZZZ", "10", "20", "90", "0", "", "", "365", "7", "1"]])
    report = run(PartImporter, data, by=warehouse_user)
    errors = errors_by_line(report)
    assert set(errors) == {3, 4}
    assert {c for c, _r in errors[3]} == {"类别", "成本价"}
    assert errors[4] == [("适用型号", "未知的产品型号代码：PM-ZZZ")]
    assert not Part.objects.exists()


def test_catalog_import_needs_the_catalog_permission(db, qc_user):
    report = run(PartImporter, csv_bytes([["物料编码", "名称", "类别", "成本价", "零售价"], ["X-1", "屏", "屏幕", "1", "2"]]),
                 by=qc_user, mode="valid")
    assert report.created == 0
    assert report.file_error == "您没有导入备件的权限。"
    assert not Part.objects.exists()


def test_catalog_export_roundtrip(db):
    pm = factories.ProductModelFactory(code="PM-E")
    part = factories.PartFactory(sku="EXP-1", main_part_for=["laptop"])
    part.compatible_models.add(pm)
    buffer = io.BytesIO()
    PartExporter().write_xlsx(buffer)
    rows = list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["物料编码"] == "EXP-1"
    assert row["适用型号"] == "PM-E"
    assert row["主要部件所属品类"] == "笔记本电脑"
    # what was exported imports again unchanged
    report = run(PartImporter, buffer.getvalue(), write=False, name="parts.xlsx")
    assert (report.failed, report.unchanged + report.updates) == (0, 1), report.errors


STOCK_HEADERS = ["物料编码", "库位编码", "在库数量", "补货点"]


@pytest.fixture
def catalog(db):
    part = factories.PartFactory(sku="STK-1")
    loc_a = factories.LocationFactory(code="WH-A")
    loc_b = factories.LocationFactory(code="WH-B")
    stock_receive(part=part, location=loc_a, quantity=5, by=None)
    return part, loc_a, loc_b


def test_opening_stock_import_goes_through_the_ledger(catalog, warehouse_user):
    part, loc_a, loc_b = catalog
    data = xlsx_bytes([STOCK_HEADERS, ["STK-1", "WH-A", 8, 2], ["stk-1", "wh-b", 4.0, None]])
    report = run(StockImporter, data, by=warehouse_user, name="stock.xlsx")
    assert (report.created, report.updated, report.failed) == (1, 1, 0), report.errors
    a = StockLevel.objects.get(part=part, location=loc_a)
    assert (a.on_hand, a.reorder_point) == (8, 2)
    assert StockLevel.objects.get(part=part, location=loc_b).on_hand == 4
    adjusts = StockMovement.objects.filter(kind="adjust").order_by("id")
    assert [m.on_hand_delta for m in adjusts] == [3, 4]
    assert all(m.actor == warehouse_user for m in adjusts)
    assert ledger_differences() == []


def test_stock_import_dry_run_writes_nothing(catalog, warehouse_user):
    part, loc_a, _ = catalog
    report = run(StockImporter, csv_bytes([STOCK_HEADERS, ["STK-1", "WH-A", "9", "1"]]), by=warehouse_user,
                 write=False)
    assert report.updates == 1
    assert StockLevel.objects.get(part=part, location=loc_a).on_hand == 5
    assert StockMovement.objects.count() == 1


def test_stock_import_rejects_whole_file_on_any_bad_row(catalog, warehouse_user):
    part, loc_a, _ = catalog
    reservation_create(part=part, location=loc_a, quantity=4, by=None)
    data = csv_bytes([STOCK_HEADERS,
                      ["STK-1", "WH-B", "7", "0"],
                      ["STK-1", "WH-A", "3", "0"],
                      ["NOPE", "WH-A", "1", "0"],
                      ["STK-1", "WH-Z", "1", "0"],
                      ["STK-1", "WH-B", "-2", "0"],
                      ["STK-1", "WH-B", "1.5", "0"]])
    report = run(StockImporter, data, by=warehouse_user)
    errors = errors_by_line(report)
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "已预留" in errors[3][0][1]
    assert errors[4][0][0] == "物料编码"
    assert errors[5][0][0] == "库位编码"
    assert errors[6][0][0] == "在库数量"
    assert StockMovement.objects.count() == 2
    assert not StockLevel.objects.filter(location__code="WH-B").exists()


def test_stock_export_shows_available(catalog):
    part, loc_a, _ = catalog
    reservation_create(part=part, location=loc_a, quantity=2, by=None)
    rows = list(StockExporter().rows())
    assert rows[0][:2] == ["STK-1", part.name]
    assert rows[0][2:] == ["WH-A", 5, 2, 3, 0]


def test_stock_import_by_a_centre_manager_stays_within_their_centres(catalog, manager):
    from django.contrib.auth.models import Permission

    from tickets import policy

    part, _a, _b = catalog
    own, other = factories.ServiceCenterFactory(code="SC-OWN"), factories.ServiceCenterFactory(code="SC-OTH")
    own.managers.add(manager)
    factories.LocationFactory(code="VAN-OWN", center=own)
    factories.LocationFactory(code="VAN-OTH", center=other)
    manager.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="parts", codename__in=["add_stocklevel", "change_stocklevel", "add_stockmovement"]))
    policy.forget(manager)
    data = csv_bytes([STOCK_HEADERS, ["STK-1", "VAN-OWN", "2", ""], ["STK-1", "VAN-OTH", "3", ""]])
    report = run(StockImporter, data, by=manager, mode="valid")
    assert [(e.line, e.column, e.value) for e in report.errors] == [(3, "库位编码", "VAN-OTH")]
    assert (report.created, report.failed) == (1, 1)
    assert list(StockLevel.objects.filter(location__code__startswith="VAN").values_list(
        "location__code", flat=True)) == ["VAN-OWN"]
