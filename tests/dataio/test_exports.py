"""Exports that open right in Excel on Chinese Windows and cannot attack the reader: BOM, GB18030,
Chinese headers and display values, formula triggers neutralised in CSV and XLSX, user cells typed as
text, the columns managers need on the ticket export, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories
from tickets.exporting import csv_chunks, neutralise, xlsx_write
from tickets.models import Customer, SlaClock, Ticket
from tickets.resources import TicketExporter

pytestmark = pytest.mark.django_db

TRIGGERS = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("value", TRIGGERS)
def test_formula_triggers_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("张三") == "张三"


def test_csv_has_a_bom_and_gb18030_has_none():
    utf8 = b"".join(csv_chunks(["姓名"], [["张三"]]))
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert utf8.decode("utf-8-sig").splitlines() == ["姓名", "张三"]
    gb = b"".join(csv_chunks(["姓名"], [["张三"]], encoding="gb18030"))
    assert not gb.startswith(b"\xef\xbb\xbf")
    assert gb.decode("gb18030").splitlines() == ["姓名", "张三"]


def test_xlsx_user_cells_are_text_and_never_formulas():
    buffer = io.BytesIO()
    xlsx_write(buffer, ["姓名", "金额", "日期"], [[value, Decimal("12.50"), dt.date(2025, 3, 4)] for value in TRIGGERS])
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.iter_rows(min_row=2))
    for row, value in zip(rows, TRIGGERS, strict=True):
        assert row[0].data_type == "s"
        assert row[0].value == "'" + value.replace("\r", "\n")  # XML stores a lone CR as a line break
        assert row[1].data_type == "n"
        assert row[2].is_date


def test_customer_export_through_the_admin_csv_and_xlsx(client, agent):
    factories.CustomerFactory(name='=HYPERLINK("http://x","y")', phone="13900001234", tier="vip")
    client.force_login(agent)
    response = client.post(reverse("admin:tickets_customer_export"), {"format": "csv"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("姓名,电话,邮箱,客户等级")
    assert lines[1].startswith("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",13900001234,")
    assert ",VIP," in lines[1]
    gb = client.post(reverse("admin:tickets_customer_export"), {"format": "csv-gb18030"})
    assert "客户等级" in b"".join(gb.streaming_content).decode("gb18030")
    xlsx = client.post(reverse("admin:tickets_customer_export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet["A1"].value == "姓名"
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\",\"y\")"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].data_type == "s"  # a phone stays text, never 1.39E+10


def test_export_follows_the_changelist_filters(client, agent):
    factories.CustomerFactory(tier="vip", phone="13900000001")
    factories.CustomerFactory(tier="standard", phone="13900000002")
    client.force_login(agent)
    response = client.post(reverse("admin:tickets_customer_export"), {"format": "csv",
                                                                      "_changelist_filters": "tier__exact=vip"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "13900000001" in body
    assert "13900000002" not in body


@pytest.fixture
def finished_ticket(db):
    from parts.models import Part
    from repairs.models import FittedPart, Quote, RepairOrder
    from surveys.models import Invitation, Response, Survey

    ticket = factories.TicketFactory()
    center = factories.ServiceCenterFactory()
    tech = factories.TechnicianFactory(center=center)
    order = RepairOrder.objects.create(ticket=ticket, center=center, technician=tech)
    Quote.objects.create(repair_order=order, version=1, status=Quote.Status.SUPERSEDED, total=Decimal("500.00"))
    Quote.objects.create(repair_order=order, version=2, status=Quote.Status.APPROVED, total=Decimal("320.00"),
                         approved_at=timezone.now())
    FittedPart.objects.create(repair_order=order, part=factories.PartFactory(name="屏幕总成"), quantity=1)
    FittedPart.objects.create(repair_order=order, part=Part.objects.create(
        sku="SCREW", name="螺丝", category="other", cost_price=1, retail_price=2), quantity=4)
    survey = Survey.objects.create(name="默认")
    invitation = Invitation.objects.create(ticket=ticket, survey=survey, expires_at=timezone.now())
    Response.objects.create(invitation=invitation, ticket=ticket, speed=5, attitude=4, result=4, nps=9)
    now = timezone.now()
    SlaClock.objects.update_or_create(ticket=ticket, defaults={
        "response_hours": 2, "resolution_hours": 24, "started_at": now})
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=now, status="resolved")
    return ticket


def test_ticket_export_has_the_columns_managers_need(finished_ticket, ops_user):
    exporter = TicketExporter(user=ops_user)
    header = exporter.header()
    for column in ("工单号", "状态", "来源渠道", "收费金额", "使用备件", "SLA 达标", "满意度（1-5）"):
        assert column in header
    row = dict(zip(header, next(exporter.rows()), strict=True))
    assert row["状态"] == "已解决"
    assert row["来源渠道"] == str(finished_ticket.get_channel_display())
    assert row["收费金额"] == Decimal("320.00")
    assert row["使用备件"] == "屏幕总成、螺丝×4"
    assert row["SLA 达标"] == "达标"
    assert row["满意度（1-5）"] == 4.3
    assert row["推荐意愿（0-10）"] == 9
    assert row["客户"] != finished_ticket.customer.name  # the ops role sees names masked
    SlaClock.objects.filter(ticket=finished_ticket).update(breached_at=timezone.now())
    row = dict(zip(header, next(TicketExporter(user=ops_user).rows()), strict=True))
    assert row["SLA 达标"] == "超时"


def test_export_queries_do_not_grow_with_rows(django_assert_max_num_queries, ops_user):
    for _ in range(3):
        factories.TicketFactory()
    exporter = TicketExporter(user=ops_user)
    with django_assert_max_num_queries(12) as few:
        list(exporter.rows())
    for _ in range(20):
        factories.TicketFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = list(TicketExporter(user=ops_user).rows())
    assert len(rows) == 23


def test_large_xlsx_export_runs_in_the_background(client, settings, agent, django_capture_on_commit_callbacks):
    from tickets.models import DataJob

    settings.EXPORT_BACKGROUND_ROWS = 2
    for i in range(3):
        factories.CustomerFactory(phone=f"1390000{i:04d}")
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:tickets_customer_export"), {"format": "xlsx"})
    assert response.status_code == 302
    job = DataJob.objects.get(kind="export")
    assert job.status == DataJob.Status.DONE  # the test settings run django-q2 synchronously
    assert job.report["rows"] == 3
    page = client.get(response["Location"]).content.decode()
    assert "下载导出文件" in page
    download = client.get(reverse("admin:tickets_customer_job_file", args=[job.uuid]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 4
    assert Customer.objects.count() == 3
