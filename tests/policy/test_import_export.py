"""Import and export honour the model permissions, the centre scope and the contact-data permission."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tickets.models import Customer

pytestmark = pytest.mark.django_db


def _export(client, url, resource: str = "", fields: tuple[str, ...] = ()):
    response = client.post(url, {"format": "csv"})
    if response.status_code == 200 and hasattr(response, "streaming_content"):
        response.content_bytes = b"".join(response.streaming_content)
    return response


def _body(response) -> str:
    return response.content_bytes.decode("utf-8-sig")


@pytest.fixture
def customers(db):
    return [factories.CustomerFactory(name="王小明", phone="13900001234", email="wang@example.com",
                                      address="上海市浦东新区世纪大道 100 号"),
            factories.CustomerFactory(name="李雷", phone="13900005678")]


def test_warehouse_cannot_export_customers(client, customers, warehouse_user):
    client.force_login(warehouse_user)
    url = reverse("admin:tickets_customer_export")
    response = _export(client, url, "customerresource", ("name", "phone", "email"))
    assert response.status_code == 403
    assert "13900001234" not in response.content.decode(errors="ignore")
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:tickets_customer_changelist")).status_code == 403


@pytest.mark.parametrize("model", ["customer", "device", "ticket"])
def test_warehouse_cannot_open_any_personal_data_export(client, warehouse_user, model):
    client.force_login(warehouse_user)
    assert client.post(reverse(f"admin:tickets_{model}_export"), {"format": "csv"}).status_code == 403


def test_export_masks_contact_data_without_the_permission(client, customers, ops_user):
    client.force_login(ops_user)
    assert not ops_user.has_perm("tickets.view_full_contact")
    response = _export(client, reverse("admin:tickets_customer_export"), "customerresource",
                       ("name", "phone", "email", "address"))
    assert response.status_code == 200
    body = _body(response)
    assert "13900001234" not in body
    assert "139****1234" in body
    assert "wang@example.com" not in body
    assert "w***@example.com" in body
    assert "王小明" not in body
    assert "王*" in body
    assert "世纪大道" not in body


def test_export_is_whole_for_a_role_that_calls_customers(client, customers, agent):
    client.force_login(agent)
    assert agent.has_perm("tickets.view_full_contact")
    body = _body(_export(client, reverse("admin:tickets_customer_export")))
    assert "13900001234" in body
    assert "王小明" in body


@pytest.fixture
def price_item(db):
    from repairs.models import PriceListItem

    return PriceListItem.objects.create(
        product_model=factories.ProductModelFactory(code="P60"), fault_category=factories.FaultCategoryFactory(
            code="screen-broken", name="屏幕损坏"),
        kind="labor", code="L-SCREEN", name="更换屏幕工时", unit_price=Decimal("40.00"), valid_from="2026-01-01")


def test_qc_cannot_open_the_price_list_import_or_change_a_price(client, qc_user, price_item):
    client.force_login(qc_user)
    url = reverse("admin:repairs_pricelistitem_import")
    assert client.get(url).status_code == 403
    csv = ("product_model,fault_category,kind,code,name,part,unit_price,chargeable,valid_from,valid_to\n"
           "P60,screen-broken,labor,L-SCREEN,更换屏幕工时,,1.00,1,2026-01-01,\n")
    response = client.post(url, {"file": SimpleUploadedFile("p.csv", csv.encode(), content_type="text/csv"),
                                 "mode": "all"})
    assert response.status_code == 403
    assert client.get(reverse("admin:repairs_pricelistitem_import_template")).status_code == 403
    price_item.refresh_from_db()
    assert price_item.unit_price == Decimal("40.00")


def test_import_needs_add_and_change(client, db):
    """A role with view only (the manager on customers) sees no import, whatever the URL."""
    from django.contrib.auth.models import Group

    user = factories.UserFactory(username="mgr", is_staff=True)
    user.groups.add(Group.objects.get(name="网点经理"))
    client.force_login(user)
    assert client.get(reverse("admin:tickets_customer_import")).status_code == 403
    assert not Customer.objects.exists()


def test_manager_imports_only_their_centres_rows(client, db):
    """Technicians belong to centres: a manager may import technicians of the centres they manage; a row
    naming another centre, or a stored technician of another centre, is an error of that row and the
    all-or-nothing import writes nothing."""
    from django.contrib.auth.models import Group

    from repairs.models import Technician
    from repairs.resources import TechnicianImporter
    from tests.dataio.helpers import errors_by_line, run, xlsx_bytes

    user = factories.UserFactory(username="mgr2", is_staff=True)
    user.groups.add(Group.objects.get(name="网点经理"))
    factories.ServiceCenterFactory(code="M01").managers.add(user)
    other = factories.ServiceCenterFactory(code="M02")
    theirs = factories.TechnicianFactory(center=other, employee_no="T9")
    client.force_login(user)
    assert user.has_perm("repairs.add_technician")
    assert user.has_perm("repairs.change_technician")
    assert client.get(reverse("admin:repairs_technician_import")).status_code == 200

    header = ["工号", "姓名", "网点编码"]
    report = run(TechnicianImporter, xlsx_bytes([header, ["T1", "李师傅", "M01"], ["T2", "王师傅", "M02"],
                                                 ["T9", "张师傅", "M01"]]), by=user)
    errors = errors_by_line(report)
    assert sorted(errors) == [3, 4]
    assert [column for column, _reason in errors[3]] == ["网点编码"]
    assert (report.created, report.failed) == (0, 2)
    assert list(Technician.objects.values_list("employee_no", flat=True)) == [theirs.employee_no]

    report = run(TechnicianImporter, xlsx_bytes([header, ["T1", "李师傅", "M01"]]), by=user)
    assert (report.created, report.failed) == (1, 0), report.errors


def test_centre_manager_exports_only_their_centres_tickets(client, db):
    from django.contrib.auth.models import Group

    user = factories.UserFactory(username="mgr3", is_staff=True)
    user.groups.add(Group.objects.get(name="网点经理"))
    mine, other = factories.ServiceCenterFactory(code="MINE"), factories.ServiceCenterFactory(code="OTHER")
    mine.managers.add(user)
    from tickets.models import Ticket

    own, theirs = factories.TicketFactory(), factories.TicketFactory()
    Ticket.objects.filter(pk=own.pk).update(service_center=mine)
    Ticket.objects.filter(pk=theirs.pk).update(service_center=other)
    client.force_login(user)
    body = _body(_export(client, reverse("admin:tickets_ticket_export")))
    assert own.number in body
    assert theirs.number not in body


def test_export_to_xlsx_masks_contact_data_too(client, customers, ops_user):
    import io

    from openpyxl import load_workbook

    client.force_login(ops_user)
    response = client.post(reverse("admin:tickets_customer_export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "139****1234" in values
    assert "13900001234" not in values


def test_import_job_of_another_user_is_not_found(client, ops_user, superuser):
    from tests.dataio.helpers import csv_bytes
    from tickets.importing.jobs import import_job_create

    upload = SimpleUploadedFile("c.csv", csv_bytes([["姓名", "电话"], ["张三", "13800138000"]]))
    job = import_job_create(target="tickets.customer", upload=upload, by=superuser)
    client.force_login(ops_user)
    assert client.get(reverse("admin:tickets_customer_job", args=[job.uuid])).status_code == 404
    assert client.post(reverse("admin:tickets_customer_job", args=[job.uuid]), {"action": "all"}).status_code == 404
    assert not Customer.objects.filter(phone="13800138000").exists()
