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
