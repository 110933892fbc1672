"""The service report PDF: Chinese text with the built-in CID font, rendered to PNG and not blank."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from repairs.reports import service_report_pdf
from repairs.services import (
    qc_checklist_for,
    qc_pass,
    repair_fit_part,
    repair_hand_back,
    repair_start,
    repair_submit_qc,
)

from .test_workflow import _approved

pytestmark = pytest.mark.django_db


def _finished(workshop, png, qc_user):
    tech = workshop["technician"].user
    order, _quote = _approved(workshop, png)
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=workshop["part"], serial="SCR-2026-0001", old_serial="OLD-77", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕总成并校准触控",
                             after_photos=[("after.png", png())], technician_signature_png=png("navy"))
    order = qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)
    return repair_hand_back(repair_order=order, by=tech, signer_name="张三", signature_png=png("darkred"))


def test_report_renders_chinese_and_is_not_blank(workshop, png, qc_user):
    order = _finished(workshop, png, qc_user)
    data = service_report_pdf(repair_order=order)
    assert data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(data)
    page = pdf[0]
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    for needle in ("维修服务报告", "三包判定", "屏幕总成", "SCR-2026-0001", "免费", "维修记录", "工程师签字"):
        assert needle in text, needle
    image = page.render(scale=1.5).to_pil().convert("L")
    image.save("/tmp/repairs_service_report_p1.png")
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 0.01 * image.width * image.height  # real glyphs and lines, not an empty page
    assert b"STSong-Light" in data
    pdf.close()


def test_report_of_a_declined_job_still_renders(workshop, png):
    from repairs.services import quote_create, quote_decline, quote_send, repair_diagnose, repair_order_open

    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.software", findings="系统卡顿", by=tech)
    quote = quote_create(repair_order=order, lines=[{"kind": "service", "description": "系统刷机",
                                                     "unit_price": "50"}], by=tech)
    quote_send(quote=quote, by=tech)
    quote_decline(quote=quote, reason="自行处理")
    pdf = pdfium.PdfDocument(service_report_pdf(repair_order=order))
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "未更换备件" in text


def test_customer_downloads_report_with_tracking_token(client, workshop, png, qc_user):
    from django.urls import reverse

    order = _finished(workshop, png, qc_user)
    token = order.ticket.tracking_token
    response = client.get(reverse("repairs:service_report", args=[token, order.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("repairs:service_report", args=["wrong-token", order.pk])).status_code == 404
