from __future__ import annotations

import io

import pytest
from django.urls import reverse

from parts.models import SerialUnit, StockLevel, StockMovement, Transfer
from parts.services import (
    reservation_create,
    serial_units_receive,
    stock_receive,
    transfer_approve,
    transfer_request,
    transfer_ship,
)
from tests import factories


@pytest.fixture
def wh_client(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


def make_rows(n):
    from parts.services import (
        defective_return_create,
        defective_return_receive,
        demand_forecast_refresh,
        stock_low_alerts_run,
        stock_reorder_point_set,
        supplier_claim_create,
    )

    locs = [factories.LocationFactory(code=f"AL-{i}") for i in range(2)]
    store = factories.LocationFactory(code="AL-OLD", kind="defective")
    start = StockLevel.objects.count()
    for i in range(start, start + n):
        part = factories.PartFactory(sku=f"ADM-{i:03d}")
        for loc in locs:
            stock_receive(part=part, location=loc, quantity=5, by=None)
            reservation_create(part=part, location=loc, quantity=1, by=None)
            stock_reorder_point_set(part=part, location=loc, reorder_point=6, by=None)
            demand_forecast_refresh(part=part, location=loc)
        transfer_request(part=part, source=locs[0], destination=locs[1], quantity=1, by=None)
        serial_part = factories.PartFactory(sku=f"ADS-{i:03d}", is_serialized=True, supplier="供应商")
        (unit,) = serial_units_receive(part=serial_part, location=locs[0], serials=[f"ADS-SN-{i}"], by=None)
        ret = defective_return_create(part=serial_part, from_location=locs[0], by=None, serial_unit=unit,
                                      to_location=store)
        defective_return_receive(defective_return=ret, by=None)
        supplier_claim_create(defective_return=ret, by=None)
    stock_low_alerts_run()
    return locs


CHANGELISTS = ["part", "location", "stocklevel", "stockmovement", "reservation", "transfer", "serialunit",
               "defectivereturn", "supplierclaim", "demandforecast", "lowstockalert"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_use_constant_queries(wh_client, model, django_assert_max_num_queries):
    make_rows(3)
    url = reverse(f"admin:parts_{model}_changelist")
    assert wh_client.get(url).status_code == 200
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        wh_client.get(url)
    make_rows(12)
    with CaptureQueriesContext(connection) as large:
        response = wh_client.get(url)
    assert response.status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert re.search(r"AD[MS]-", response.content.decode()) or model in ("location",)


def test_in_transit_is_shown_separately(wh_client):
    part = factories.PartFactory(sku="TRN-1")
    src = factories.LocationFactory(code="T-SRC")
    dst = factories.LocationFactory(code="T-DST")
    stock_receive(part=part, location=src, quantity=5, by=None)
    stock_receive(part=part, location=dst, quantity=1, by=None)
    t = transfer_request(part=part, source=src, destination=dst, quantity=3, by=None)
    transfer_approve(transfer=t, by=None)
    transfer_ship(transfer=t, by=None)
    response = wh_client.get(reverse("admin:parts_stocklevel_changelist") + f"?location__id__exact={dst.pk}")
    row = response.context["cl"].result_list[0]
    assert (row.on_hand, row.in_transit_qty) == (1, 3)
    body = response.content.decode()
    assert reverse("admin:parts_stock_operate") in body
    assert reverse("admin:parts_stocklevel_import") in body
    assert reverse("admin:parts_stocklevel_export") in body


def test_operate_view_receives_and_adjusts(wh_client):
    part = factories.PartFactory(sku="OPS-1")
    loc = factories.LocationFactory(code="OPS-L")
    url = reverse("admin:parts_stock_operate")
    assert wh_client.get(url).status_code == 200
    r = wh_client.post(url, {"operation": "receive", "part": part.pk, "location": loc.pk, "quantity": 7})
    assert r.status_code == 302
    r = wh_client.post(url, {"operation": "adjust", "part": part.pk, "location": loc.pk, "quantity": -2})
    assert r.status_code == 200
    assert "必须填写原因" in r.content.decode()
    r = wh_client.post(url, {"operation": "scrap", "part": part.pk, "location": loc.pk, "quantity": 99,
                             "reason": "坏"}, follow=True)
    assert "库存不足" in r.content.decode()
    assert StockLevel.objects.get(part=part, location=loc).on_hand == 7
    assert StockMovement.objects.filter(part=part).count() == 1


def test_operate_view_needs_permission(client, technician):
    client.force_login(technician.user)
    technician.user.is_staff = True
    technician.user.save()
    assert client.get(reverse("admin:parts_stock_operate")).status_code == 403


def test_movement_history_per_part(wh_client):
    part = factories.PartFactory(sku="HIS-1")
    other = factories.PartFactory(sku="HIS-2")
    loc = factories.LocationFactory(code="HIS-L")
    stock_receive(part=part, location=loc, quantity=3, by=None)
    stock_receive(part=other, location=loc, quantity=3, by=None)
    response = wh_client.get(reverse("admin:parts_stockmovement_changelist") + f"?part__id__exact={part.pk}")
    assert [m.part for m in response.context["cl"].result_list] == [part]


def test_label_png_and_print_sheet(wh_client):
    part = factories.PartFactory(sku="LBL-1", is_serialized=True)
    loc = factories.LocationFactory(code="LBL-L")
    units = serial_units_receive(part=part, location=loc, serials=["L-1", "L-2"], by=None)
    png = wh_client.get(reverse("admin:parts_serialunit_label", args=[units[0].pk]))
    assert png["Content-Type"] == "image/png"
    from PIL import Image

    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    sheet = wh_client.post(reverse("admin:parts_serialunit_changelist"),
                           {"action": "print_labels", "_selected_action": [u.pk for u in units]})
    assert sheet.status_code == 200
    assert sheet.content.decode().count("data:image/png;base64,") == 2


def test_transfer_actions_call_services(wh_client):
    part = factories.PartFactory(sku="TA-1")
    src = factories.LocationFactory(code="TA-S")
    dst = factories.LocationFactory(code="TA-D")
    stock_receive(part=part, location=src, quantity=2, by=None)
    add = wh_client.post(reverse("admin:parts_transfer_add"),
                         {"part": part.pk, "source": src.pk, "destination": dst.pk, "quantity": 2, "note": ""})
    assert add.status_code == 302
    t = Transfer.objects.get()
    url = reverse("admin:parts_transfer_changelist")
    wh_client.post(url, {"action": "transfer_approve_action", "_selected_action": [t.pk]})
    t.refresh_from_db()
    assert t.status == "approved"
    response = wh_client.post(url, {"action": "transfer_receive_action", "_selected_action": [t.pk]}, follow=True)
    assert "不能执行此操作" in response.content.decode()
    assert wh_client.get(reverse("admin:parts_transfer_change", args=[t.pk])).status_code == 200


def test_emergency_view_lists_nearest(wh_client):
    from decimal import Decimal

    part = factories.PartFactory(sku="EM-1")
    dst = factories.LocationFactory(code="EM-D", latitude=Decimal("31.2"), longitude=Decimal("121.4"))
    near = factories.LocationFactory(code="EM-N", name="近仓", latitude=Decimal("31.3"), longitude=Decimal("121.5"))
    stock_receive(part=part, location=near, quantity=2, by=None)
    url = reverse("admin:parts_stock_emergency")
    response = wh_client.get(url, {"part": part.pk, "destination": dst.pk, "quantity": 1})
    assert "近仓" in response.content.decode()
    response = wh_client.post(url, {"part": part.pk, "destination": dst.pk, "quantity": 1})
    assert response.status_code == 302
    assert Transfer.objects.get().is_emergency


def test_import_admin_preview_shows_row_errors(wh_client):
    factories.PartFactory(sku="IMP-1")
    factories.LocationFactory(code="IMP-L")
    csv = "sku,location,on_hand,reorder_point\nIMP-1,IMP-L,4,1\nIMP-1,NOWHERE,1,0\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = wh_client.post(reverse("admin:parts_stocklevel_import"), {
        "file": SimpleUploadedFile("stock.csv", csv.encode(), content_type="text/csv"), "mode": "all"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "NOWHERE" in body
    assert "未知的库位编码" in body
    assert not StockLevel.objects.exists()
    assert not SerialUnit.objects.exists()


def test_import_admin_preview_then_confirm_writes_through_ledger(wh_client, warehouse_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    part = factories.PartFactory(sku="IMC-1")
    loc = factories.LocationFactory(code="IMC-L")
    csv = "sku,location,on_hand,reorder_point\nIMC-1,IMC-L,6,2\n"
    preview = wh_client.post(reverse("admin:parts_stocklevel_import"), {
        "file": SimpleUploadedFile("stock.csv", csv.encode(), content_type="text/csv"), "mode": "all"})
    assert preview.status_code == 302
    assert not StockLevel.objects.exists()
    done = wh_client.post(preview["Location"], {"action": "all"})
    assert done.status_code == 302
    level = StockLevel.objects.get(part=part, location=loc)
    assert (level.on_hand, level.reorder_point) == (6, 2)
    movement = StockMovement.objects.get(part=part)
    assert (movement.kind, movement.on_hand_delta, movement.actor) == ("adjust", 6, warehouse_user)


def test_roles_grant_warehouse_and_technician(warehouse_user, technician, manager):
    for perm in ("parts.add_stockmovement", "parts.approve_transfer", "parts.change_serialunit",
                 "parts.add_supplierclaim", "parts.view_lowstockalert"):
        assert warehouse_user.has_perm(perm), perm
    assert technician.user.has_perm("parts.add_reservation")
    assert not technician.user.has_perm("parts.add_stockmovement")
    assert manager.has_perm("parts.approve_transfer")


def test_transfer_add_form_rejects_same_location(wh_client):
    part = factories.PartFactory(sku="TF-1")
    loc = factories.LocationFactory(code="TF-L")
    response = wh_client.post(reverse("admin:parts_transfer_add"),
                              {"part": part.pk, "source": loc.pk, "destination": loc.pk, "quantity": 1, "note": ""})
    assert response.status_code == 200
    assert "不能相同" in response.content.decode()
    assert not Transfer.objects.exists()


def test_label_check_view(wh_client):
    from parts.labels import label_payload

    part = factories.PartFactory(sku="CHK-1", is_serialized=True)
    loc = factories.LocationFactory(code="CHK-L", name="校验仓")
    (unit,) = serial_units_receive(part=part, location=loc, serials=["C-1"], by=None)
    url = reverse("admin:parts_serialunit_check")
    assert url in wh_client.get(reverse("admin:parts_serialunit_changelist")).content.decode()
    assert wh_client.get(url).status_code == 200
    ok = wh_client.post(url, {"payload": label_payload(unit)}, follow=True)
    assert "正品校验通过" in ok.content.decode()
    bad = wh_client.post(url, {"payload": "fake:label"}, follow=True)
    assert "伪造" in bad.content.decode()
