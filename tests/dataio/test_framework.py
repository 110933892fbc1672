"""The importer base: an importer must say how a row is written, and the device importer's single-row
write goes through the same batch service as its bulk write."""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import make_imei
from tickets.importing.base import Importer, Row
from tickets.models import Customer, Device
from tickets.resources import DeviceImporter


def test_an_importer_without_save_cannot_be_built():
    class Incomplete(Importer):
        key = "test.incomplete"
        model = Customer

    with pytest.raises(TypeError, match="save"):
        Incomplete()


@pytest.mark.django_db
def test_device_importer_saves_one_row_through_the_batch_service(ops_user):
    from django.core.exceptions import ValidationError

    from tickets.master_data import DeviceRecord

    model = factories.ProductModelFactory(code="P60", category="phone", uses_imei=True)
    importer = DeviceImporter(by=ops_user)
    row = Row(line=2, cells=[], raw={})
    row.context["record"] = DeviceRecord(product_model=model, serial=make_imei(7), buyer_phone="13900007777",
                                         buyer_name="赵六")
    importer.save(row)
    device = Device.objects.get(serial_number=make_imei(7))
    assert device.owner.name == "赵六"

    other = factories.ProductModelFactory(code="P70", category="phone", uses_imei=True)
    row.context["record"] = DeviceRecord(product_model=other, serial=make_imei(7))
    with pytest.raises(ValidationError) as refused:
        importer.save(row)
    assert "其他型号" in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_batch_key_lookups_match_like_in():
    from tickets.lookups import any_of

    a, b = factories.CustomerFactory(phone="13900000001"), factories.CustomerFactory(phone="13900000002")
    found = set(Customer.objects.filter(any_of("phone", ["13900000001", "13900000002", "13900000009", None])))
    assert found == {a, b}
    assert not Customer.objects.filter(any_of("phone", [])).exists()


@pytest.mark.django_db
def test_device_import_queries_do_not_grow_with_rows(ops_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.dataio.helpers import csv_bytes, run

    factories.ProductModelFactory(code="P60", category="phone", uses_imei=True)

    def sales(n: int, start: int) -> bytes:
        return csv_bytes([["序列号/IMEI", "产品型号代码", "购买日期", "买家电话", "买家姓名"]]
                         + [[make_imei(start + i), "P60", "2025/3/4", f"139{start + i:08d}", "买家"] for i in range(n)])

    with CaptureQueriesContext(connection) as few:
        assert run(DeviceImporter, sales(3, 100), by=ops_user).created == 3
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert run(DeviceImporter, sales(40, 200), by=ops_user).created == 40
