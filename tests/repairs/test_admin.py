"""Admin: repair order page (三包 decision, quote history), workflow through services, QC queue, lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repairs.models import QCInspection, RepairOrder
from repairs.services import repair_fit_part, repair_start, repair_submit_qc

from .test_workflow import _approved

pytestmark = pytest.mark.django_db


def _in_qc(workshop, png):
    tech = workshop["technician"].user
    order, _ = _approved(workshop, png)
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=workshop["part"], serial="SCR-1", by=tech)
    return repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕", after_photos=[("a.png", png())])


def test_change_page_shows_decision_reasons_and_quote_history(client, superuser, workshop, png):
    order, quote = _approved(workshop, png)
    client.force_login(superuser)
    page = client.get(reverse("admin:repairs_repairorder_change", args=[order.pk])).content.decode()
    assert order.warranty_decision["summary"] in page
    assert "《移动电话机商品修理更换退货责任规定》" in page
    assert "v1" in page
    assert "10.0.0.8" in page  # where the approval came from
    assert "开始维修" in page


def test_workflow_step_through_admin_calls_the_service(client, superuser, workshop, png):
    order, _ = _approved(workshop, png)
    client.force_login(superuser)
    url = reverse("admin:repairs_repairorder_workflow", args=[order.pk, "start"])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.REPAIRING


def test_admin_shows_domain_errors_and_changes_nothing(client, superuser, workshop, png):
    tech = workshop["technician"].user
    from repairs.services import repair_order_open

    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    client.force_login(superuser)
    url = reverse("admin:repairs_repairorder_workflow", args=[order.pk, "diagnose"])
    response = client.post(url, {"fault_code": "phone.display", "findings": "进水", "exclusion": "liquid"},
                           follow=True)
    assert "必须附本工单的证据" in response.content.decode()
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.DIAGNOSING


def test_qc_queue_and_qc_pass_from_admin(client, qc_user, workshop, png):
    order = _in_qc(workshop, png)
    client.force_login(qc_user)
    listing = client.get(reverse("admin:repairs_qcqueueorder_changelist"))
    assert listing.status_code == 200
    assert f"RO-{order.pk}" in listing.content.decode()
    url = reverse("admin:repairs_repairorder_workflow", args=[order.pk, "qc"])
    form = client.get(url)
    assert "开关机正常" in form.content.decode()
    data = {f"check_{code}": "on" for code in ("power", "display", "call", "audio", "camera", "charging",
                                                "appearance")}
    client.post(url, {**data, "_fail": "1", "reason": "听筒有杂音"})
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.REPAIRING
    assert QCInspection.objects.filter(repair_order=order, result="failed").count() == 1


def test_report_download(client, superuser, workshop, png):
    order, _ = _approved(workshop, png)
    client.force_login(superuser)
    response = client.get(reverse("admin:repairs_repairorder_report", args=[order.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("name", ["repairorder", "qcqueueorder", "quote", "pricelistitem", "warrantycard",
                                  "repairrecord"])
def test_changelists_use_constant_queries(client, superuser, workshop, png, name):
    _in_qc(workshop, png)
    from repairs.services import repair_record_write

    repair_record_write(repair_order=RepairOrder.objects.get(), by=None)
    client.force_login(superuser)
    url = reverse(f"admin:repairs_{name}_changelist")
    client.get(url)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    # more rows: a second job on another ticket
    from tests import factories
    from tickets.services import ticket_assign, ticket_triage

    ticket = factories.TicketFactory(customer=workshop["customer"], device=workshop["device"])
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=workshop["fault"])
    ticket_assign(ticket=ticket, technician=workshop["technician"], by=None)
    from repairs.services import repair_order_open

    second = repair_order_open(ticket=ticket, by=workshop["technician"].user)
    RepairOrder.objects.filter(pk=second.pk).update(status="qc")
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    assert len(again) == len(first)


def test_price_list_import_export_round_trip(workshop):
    from repairs.models import PriceListItem
    from repairs.resources import PriceListExporter, PriceListImporter
    from tests.dataio.helpers import csv_bytes, run

    exporter = PriceListExporter()
    header = exporter.header()
    assert any("L-SCREEN" in row for row in exporter.rows())
    model, fault = workshop["model"].code, workshop["fault"].code
    data = csv_bytes([header, [model, fault, "工时", "L-GLUE", "屏幕密封胶处理", "", "25.00", "否", "2026-01-01", ""]])
    report = run(PriceListImporter, data)
    assert (report.created, report.failed) == (1, 0), report.errors
    assert PriceListItem.objects.get(code="L-GLUE").unit_price == 25
    # a new version of an existing code closes the open-ended old one (the service's rule)
    newer = csv_bytes([header, [model, fault, "labor", "L-GLUE", "屏幕密封胶处理", "", "30.00", "0", "2026/6/1", ""]])
    assert run(PriceListImporter, newer).created == 1
    assert str(PriceListItem.objects.get(code="L-GLUE", valid_from="2026-01-01").valid_to) == "2026-05-31"
    bad = csv_bytes([header, [model, fault, "labor", "L-BAD", "坏价格", "", "-5", "0", "2026-01-01", ""]])
    report = run(PriceListImporter, bad)
    assert report.failed == 1
    assert report.errors[0].column == "单价"
    assert not PriceListItem.objects.filter(code="L-BAD").exists()
