"""Sales records (devices with their buyer): XLSX with Excel serial dates and numeric phones, every
error of every row at once, duplicate serials in the file and against the database."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run, xlsx_bytes
from tests.factories import make_imei
from tickets.models import Customer, Device
from tickets.resources import DeviceImporter

pytestmark = pytest.mark.django_db

HEADER = ["序列号/IMEI", "产品型号代码", "购买日期", "发票号", "销售渠道", "买家电话", "买家姓名"]


@pytest.fixture
def phone_model(db):
    return factories.ProductModelFactory(code="P60", category="phone", uses_imei=True)


def test_xlsx_with_excel_serial_dates_and_numeric_phones(ops_user, phone_model):
    imei_a, imei_b = make_imei(1), make_imei(2)
    factories.CustomerFactory(phone="13900001111", name="老客户")
    data = xlsx_bytes([
        HEADER,
        # Excel typed the IMEI and phone as numbers and the date as a date serial.
        [int(imei_a), "P60", 45720, "INV-1", "线上商城", 13900001111, None],
        [imei_b, "p60", dt.datetime(2025, 3, 5), "INV-2", "store", 13800138000.0, "新买家"],
    ])
    report = run(DeviceImporter, data, by=ops_user, name="sales.xlsx")
    assert report.format == "xlsx"
    assert (report.created, report.failed) == (2, 0), report.errors
    a = Device.objects.get(serial_number=imei_a)
    assert a.purchase_date == dt.date(2025, 3, 4)
    assert a.invoice_date == dt.date(2025, 3, 4)
    assert a.sales_channel == "online"
    assert a.owner.phone == "13900001111"
    b = Device.objects.get(serial_number=imei_b)
    assert b.owner == Customer.objects.get(phone="13800138000", name="新买家")
    assert b.purchase_date == dt.date(2025, 3, 5)


def test_every_error_of_every_row_at_once(ops_user, phone_model):
    good = make_imei(10)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    data = csv_bytes([
        HEADER,
        [good, "P60", "2025/3/4", "", "", "13900002222", "王五"],          # 2 good
        [good, "P60", "2025/3/4", "", "", "", ""],                        # 3 duplicate of 2
        ["12345", "NOPE", "2025-13-40", "", "淘宝", "13900009999", ""],     # 4: serial? model, date, channel, buyer
        [make_imei(11), "P60", future, "", "", "1.39E+10", ""],            # 5: future date, phone lost
    ], encoding="gb18030")
    report = run(DeviceImporter, data, by=ops_user, write=False)
    errors = errors_by_line(report)
    assert set(errors) == {3, 4, 5}
    assert errors[3] == [("序列号/IMEI", "与第 2 行重复")]
    columns4 = [c for c, _r in errors[4]]
    assert "产品型号代码" in columns4
    assert "购买日期" in columns4
    assert "销售渠道" in columns4
    assert any(c == "买家电话" and "买家姓名" in r for c, r in errors[4]), errors[4]
    assert any(c == "购买日期" and "晚于今天" in r for c, r in errors[5])
    assert any(c == "买家电话" and "科学计数法" in r for c, r in errors[5])
    report = run(DeviceImporter, data, by=ops_user)
    assert report.rolled_back
    assert {e.line for e in report.errors} == {3, 4, 5}
    assert not Device.objects.exists()
    assert not Customer.objects.exists()


def test_duplicates_against_the_database(ops_user, phone_model):
    other_model = factories.ProductModelFactory(code="TV1", category="tv", uses_imei=False)
    owner = factories.CustomerFactory(phone="13900003333")
    stored = factories.DeviceFactory(product_model=phone_model, owner=owner, purchase_date=dt.date(2025, 1, 1))
    tv = factories.DeviceFactory(product_model=other_model, serial_number="TVSERIAL001", owner=None)
    data = csv_bytes([
        HEADER,
        [stored.serial_number, "P60", "2025-02-02", "INV-9", "", "13900003333", ""],   # same owner: fills blanks
        [stored.serial_number.replace("", "")[:15], "P60", "", "", "", "", ""],       # dup in file
        ["TVSERIAL001", "P60", "", "", "", "", ""],                                    # stored as another model
    ])
    report = run(DeviceImporter, data, by=ops_user, write=False)
    errors = errors_by_line(report)
    assert errors[3] == [("序列号/IMEI", "与第 2 行重复")]
    assert any("其他型号" in r for _c, r in errors[4])
    assert report.existing == [{"line": 2, "key": stored.serial_number}]
    report = run(DeviceImporter, csv_bytes([HEADER, [stored.serial_number, "P60", "2025-02-02", "INV-9", "", "", ""]]),
                 by=ops_user)
    stored.refresh_from_db()
    assert report.updated == 1
    assert stored.purchase_date == dt.date(2025, 1, 1)  # a recorded purchase date is never rewritten
    assert stored.invoice_number == "INV-9"
    tv.refresh_from_db()
    assert tv.product_model == other_model


def test_a_device_of_another_buyer_is_refused(ops_user, phone_model):
    stored = factories.DeviceFactory(product_model=phone_model, owner=factories.CustomerFactory(phone="13900004444"))
    factories.CustomerFactory(phone="13900005555")
    report = run(DeviceImporter, csv_bytes([HEADER, [stored.serial_number, "P60", "", "", "", "13900005555", ""]]),
                 by=ops_user)
    assert [(e.column, e.reason) for e in report.errors] == [("买家电话", "该设备已登记在另一位客户名下，不能改为此买家。")]


def test_import_needs_the_device_permissions(qc_user, phone_model):
    report = run(DeviceImporter, csv_bytes([HEADER, [make_imei(20), "P60", "", "", "", "", ""]]), by=qc_user)
    assert report.created == 0
    assert not Device.objects.exists()


def test_a_record_refused_at_write_time_is_reported_and_the_rest_written(ops_user, phone_model):
    """Between the check and the import someone registered one serial under another model."""
    from tickets.importing.base import Row
    from tickets.master_data import DeviceRecord

    taken = make_imei(30)
    importer = DeviceImporter(by=ops_user)
    other = factories.ProductModelFactory(code="OTHER", category="phone", uses_imei=True)
    factories.DeviceFactory(product_model=other, serial_number=taken, owner=None)
    rows = []
    for line, serial in enumerate([make_imei(31), taken, make_imei(32)], start=2):
        row = Row(line=line, cells=[serial, "P60"], raw={"serial": serial})
        row.context["record"] = DeviceRecord(product_model=phone_model, serial=serial)
        rows.append(row)
    failed = importer.save_batch(rows)
    assert failed == [rows[1]]
    assert "其他型号" in rows[1].errors[0].reason
    assert Device.objects.filter(product_model=phone_model).count() == 2
