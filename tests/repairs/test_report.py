"""The service report PDF draws the same everywhere: its font is embedded as a subset (this suite runs
on machines without any Chinese system font), every glyph is drawable, no internal ids, the people's
display names, the captured signatures and the letterhead with its 服务专用章."""

from __future__ import annotations

import base64
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from repairs.models import ReportBranding
from repairs.payments.selectors import payment_due
from repairs.payments.services import payment_record_offline
from repairs.reports import MISSING_GLYPH, drawable, service_report_pdf
from repairs.services import (
    qc_checklist_for,
    qc_pass,
    repair_fit_part,
    repair_hand_back,
    repair_photos_add,
    repair_start,
    repair_submit_qc,
    report_branding_update,
)
from tests.api.conftest import client_for
from tickets.exceptions import PermissionDeniedError

from .test_workflow import _approved

pytestmark = pytest.mark.django_db

MAX_REPORT_BYTES = 300 * 1024


def _finished(workshop, png, qc_user, *, exclusions=None, tech_signs_at_qc=True, hand_back=True):
    tech = workshop["technician"].user
    order, _quote = _approved(workshop, png, exclusions=exclusions)
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=workshop["part"], serial="SCR-2026-0001", old_serial="OLD-77", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕总成并校准触控",
                             after_photos=[("after.png", png())],
                             technician_signature_png=png("navy") if tech_signs_at_qc else None)
    order = qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)
    if hand_back:
        order = repair_hand_back(repair_order=order, by=tech, signer_name="张三", signature_png=png("darkred"))
    return order


def _text(data: bytes) -> str:
    """The report's text without white space: where a table cell wraps is not what is tested."""
    pdf = pdfium.PdfDocument(data)
    try:
        return re.sub(r"\s+", "", "".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()


def _has(text: str, needle: str) -> bool:
    return re.sub(r"\s+", "", needle) in text


def font_check(data: bytes) -> list[dict]:
    """Every font of every page (and of the forms it draws), with whether its program is embedded."""
    def resolve(obj):
        return obj.get_object() if isinstance(obj, IndirectObject) else obj

    fonts: dict[str, dict] = {}

    def walk(resources) -> None:
        resources = resolve(resources) or {}
        for font in (resolve(resources.get("/Font")) or {}).values():
            font = resolve(font)
            descriptor_owner = font
            if font.get("/Subtype") == "/Type0":
                descriptor_owner = resolve(resolve(font["/DescendantFonts"])[0])
            descriptor = resolve(descriptor_owner.get("/FontDescriptor")) or {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont"))
            fonts[name] = {"name": name, "subtype": str(font.get("/Subtype")), "embedded": embedded,
                           "subset": bool(re.match(r"^/?[A-Z]{6}\+", name))}
        for xobject in (resolve(resources.get("/XObject")) or {}).values():
            xobject = resolve(xobject)
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in PdfReader(io.BytesIO(data)).pages:
        walk(page.get("/Resources"))
    return list(fonts.values())


def _ink_in_text(data: bytes, needle: str, *, scale: float = 2.0) -> float:
    """Share of dark pixels inside the boxes of ``needle``'s characters on the rendered first page."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        start = textpage.get_text_range().find(needle)
        assert start >= 0, needle
        image = page.render(scale=scale).to_pil().convert("L")
        height = page.get_height()
        dark = total = 0
        for index in range(start, start + len(needle)):
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            box = image.crop((int(left * scale), int((height - top) * scale),
                              int(right * scale) + 1, int((height - bottom) * scale) + 1))
            histogram = box.histogram()
            dark += sum(histogram[:128])
            total += box.width * box.height
        return dark / max(total, 1)
    finally:
        pdf.close()


def _image_count(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return sum(len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))) for page in pdf)
    finally:
        pdf.close()


def test_report_embeds_a_subset_font_and_draws_chinese_without_system_fonts(workshop, png, qc_user):
    order = _finished(workshop, png, qc_user)
    data = service_report_pdf(repair_order=order)
    assert data.startswith(b"%PDF")
    assert len(data) < MAX_REPORT_BYTES, len(data)

    fonts = font_check(data)
    assert fonts
    for font in fonts:
        assert font["embedded"], font
        assert font["subset"], font
    assert b"STSong-Light" not in data

    text = _text(data)
    for needle in ("维修服务报告", "三包判定", "屏幕总成", "SCR-2026-0001", "免费", "维修记录", "工程师签字", "·"):
        assert _has(text, needle), needle
    # real glyphs where the Chinese is: the title and the customer's name, not blank boxes of nothing
    assert _ink_in_text(data, "维修服务报告") > 0.08
    assert _ink_in_text(data, "三包判定") > 0.05
    pdf = pdfium.PdfDocument(data)
    for number, page in enumerate(pdf, start=1):
        page.render(scale=1.5).to_pil().save(f"/tmp/repairs_service_report_p{number}.png")
    pdf.close()


def test_every_character_printed_is_in_the_embedded_font(workshop, png, qc_user):
    workshop["ticket"].description = "屏幕摔碎了😭，触摸失灵 · 堃"
    workshop["ticket"].save(update_fields=["description"])
    data = service_report_pdf(repair_order=_finished(workshop, png, qc_user))
    text = _text(data)
    assert "😭" not in text
    assert _has(text, f"屏幕摔碎了{MISSING_GLYPH}，触摸失灵 · 堃")
    printable = {ch for ch in text if not ch.isspace()}
    assert printable == {ch for ch in drawable("".join(printable))}  # nothing the font cannot draw


def test_report_shows_no_internal_ids_and_the_peoples_names(workshop, png, qc_user):
    qc_user.first_name, qc_user.last_name = "静", "陈"
    qc_user.save()
    tech = workshop["technician"]
    order = _finished_with_evidence(workshop, png, qc_user)
    stored = " ".join(r["text"] for r in order.warranty_decision["reasons"])
    assert re.search(r"证据：\d+", stored)  # the engine keeps the attachment ids for the back office

    text = _text(service_report_pdf(repair_order=order))
    assert not re.search(r"证据：\s*\d", text)
    assert "已附证据" in text
    assert f"RO-{order.pk}" not in text
    assert _has(text, "质检员 陈静")
    assert qc_user.username not in text
    assert tech.name in text


def _finished_with_evidence(workshop, png, qc_user):
    from repairs.models import RepairOrder
    from repairs.services import (
        quote_approve,
        quote_create,
        quote_send,
        repair_diagnose,
        repair_order_open,
    )

    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    evidence = repair_photos_add(repair_order=order, photos=[("liquid.png", png("blue"))], purpose="evidence",
                                 by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="主板进水腐蚀", by=tech,
                            exclusions=[{"code": "liquid", "evidence": [evidence[0].pk]}])
    quote = quote_create(repair_order=order, lines=[{"kind": "part", "part": workshop["part"]}], by=tech)
    quote_send(quote=quote, by=tech)
    quote_approve(quote=quote, signature_png=png(), signer_name="张三", ip="10.0.0.8", user_agent="Mozilla/5.0", by=tech)
    order = repair_start(repair_order=RepairOrder.objects.get(pk=order.pk), by=tech)
    repair_fit_part(repair_order=order, part=workshop["part"], serial="SCR-2026-0002", old_serial="OLD-78", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换主板", after_photos=[("after.png", png())])
    order = qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)
    # a paid repair (liquid damage is excluded from 三包) is handed back against its money
    payment_record_offline(ticket=order.ticket, method="cash", reference="SJ-7",
                           amount=payment_due(ticket=order.ticket).amount, by=tech)
    return repair_hand_back(repair_order=order, by=tech, signer_name="张三", signature_png=png("darkred"))


def test_hand_back_signed_on_the_technicians_phone_prints_both_signatures(workshop, png, qc_user):
    order = _finished(workshop, png, qc_user, tech_signs_at_qc=False, hand_back=False)
    assert _image_count(service_report_pdf(repair_order=order)) == 0
    assert _has(_text(service_report_pdf(repair_order=order)), "（未签名）")

    client = client_for(workshop["technician"].user)
    response = client.post(f"/api/v1/jobs/{order.ticket_id}/repair/hand-back/", {
        "signer_name": "张三", "signature_png": base64.b64encode(png("darkred")).decode(),
        "technician_signature_png": "data:image/png;base64," + base64.b64encode(png("navy")).decode(),
    }, format="json")
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.technician_signature_id
    assert order.customer_signature_id
    assert order.record.technician_signature_id == order.technician_signature_id

    data = service_report_pdf(repair_order=order)
    assert not _has(_text(data), "（未签名）")
    assert _image_count(data) == 2  # the technician's and the customer's signatures


def _picture(color: str) -> bytes:
    image = Image.new("RGBA", (400, 400), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((20, 20, 380, 380), outline=color, width=18)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_letterhead_and_seal_are_set_in_the_admin_and_printed(client, superuser, workshop, png, qc_user):
    client.force_login(superuser)
    changelist = reverse("admin:repairs_reportbranding_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(reverse("admin:repairs_reportbranding_add"), {
        "provider_name": "华为授权服务中心（徐汇）", "brand_name": "华为", "service_phone": "400-830-8300",
        "address": "上海市徐汇区漕溪北路 88 号", "footer": "本报告加盖服务专用章后有效。",
        "logo": SimpleUploadedFile("logo.png", _picture("navy"), content_type="image/png"),
        "seal": SimpleUploadedFile("seal.png", _picture("red"), content_type="image/png"),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    branding = ReportBranding.objects.get()
    assert branding.updated_by == superuser
    assert client.get(reverse("admin:repairs_reportbranding_change", args=[branding.pk])).status_code == 200
    assert client.get(reverse("admin:repairs_reportbranding_add")).status_code == 403  # one row only

    data = service_report_pdf(repair_order=_finished(workshop, png, qc_user))
    text = _text(data)
    for needle in ("华为授权服务中心（徐汇）", "服务热线 400-830-8300", "服务单位（盖章）", "本报告加盖服务专用章后有效。"):
        assert _has(text, needle), needle
    assert _image_count(data) == 4  # logo, seal and the two signatures
    assert len(data) < MAX_REPORT_BYTES
    for font in font_check(data):
        assert font["embedded"], font


def test_only_permitted_staff_change_the_letterhead(agent):
    with pytest.raises(PermissionDeniedError):
        report_branding_update(by=agent, provider_name="冒名服务中心")
    assert not ReportBranding.objects.exists()


def test_report_of_a_declined_job_still_renders(workshop, png):
    from repairs.services import quote_create, quote_decline, quote_send, repair_diagnose, repair_order_open

    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.software", findings="系统卡顿", by=tech)
    quote = quote_create(repair_order=order, lines=[{"kind": "service", "description": "系统刷机",
                                                     "unit_price": "50"}], by=tech)
    quote_send(quote=quote, by=tech)
    quote_decline(quote=quote, reason="自行处理", by=tech)
    assert _has(_text(service_report_pdf(repair_order=order)), "未更换备件")


def test_customer_downloads_report_with_tracking_token(client, workshop, png, qc_user):
    order = _finished(workshop, png, qc_user)
    token = order.ticket.tracking_token
    response = client.get(reverse("repairs:service_report", args=[token, order.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("repairs:service_report", args=["wrong-token", order.pk])).status_code == 404

