"""Demo data of the workshop for ``manage.py seed_demo`` (idempotent, runs after the core data).

Seeds the price list for every product model × applicable fault category; when in-progress tickets
with a technician exist (a second ``seed_demo`` run, or tickets seeded before), walks a few of them
through the real workshop services so the admin shows decisions, quotes, QC and reports.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from tickets.exceptions import DomainError
from tickets.models import FaultCategory, ProductModel, Ticket

from .models import PriceListItem, RepairOrder
from .services import (
    price_item_upsert,
    qc_checklist_for,
    qc_pass,
    quote_approve,
    quote_create,
    quote_send,
    repair_diagnose,
    repair_order_open,
    repair_start,
    repair_submit_qc,
)
from .services.warranty import device_rules

LABOR = {"phone": 80, "tablet": 80, "laptop": 150, "desktop": 120, "tv": 200, "fridge": 180, "washer": 150,
         "air_conditioner": 180, "small_appliance": 50, "wearable": 60}
PART_SHARE = Decimal("0.18")  # a typical main part costs about this share of the list price


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (240, 90), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(10, 60), (50 + seed % 30, 20), (120, 70), (220, 15 + seed % 40)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_price_list(*, stdout) -> None:
    if PriceListItem.objects.exists():
        stdout.write(f"  price list: {PriceListItem.objects.count()} (kept)")
        return
    start = timezone.localdate().replace(month=1, day=1)
    categories = list(FaultCategory.objects.filter(is_active=True, children__isnull=True).distinct())
    for model in ProductModel.objects.all():
        base = Decimal(LABOR.get(model.category, 80))
        for fault in categories:
            if fault.product_categories and model.category not in fault.product_categories:
                continue
            hardware = fault.department == "hardware"
            price_item_upsert(product_model=model, fault_category=fault, kind="labor", code=f"L-{fault.code}"[:40],
                              name=f"{fault.name}检测维修工时", unit_price=base if hardware else base / 2,
                              valid_from=start)
            if hardware and model.list_price:
                price_item_upsert(product_model=model, fault_category=fault, kind="service",
                                  code=f"S-{fault.code}"[:40], name=f"{fault.name}配件更换（视检测）",
                                  unit_price=(model.list_price * PART_SHARE).quantize(Decimal("1.00")),
                                  valid_from=start, optional=True)
    stdout.write(f"  price list: {PriceListItem.objects.count()}")


def _best_fault(text: str, faults: list):
    """The listed fault whose label shares the most two-character pieces (then characters) with the text."""
    def pieces(value: str) -> set[str]:
        return {value[i:i + 2] for i in range(len(value) - 1)}

    words = pieces(text)
    return max(faults, key=lambda f: (len(words & pieces(f.label)), len(set(text) & set(f.label))), default=None)


def seed_jobs(*, stdout, count: int = 6) -> None:
    if RepairOrder.objects.exists():
        stdout.write(f"  repair orders: {RepairOrder.objects.count()} (kept)")
        return
    tickets = list(Ticket.objects.filter(status=Ticket.Status.IN_PROGRESS, technician__isnull=False,
                                         device__isnull=False).select_related("device__product_model",
                                                                              "technician__user")[:count])
    from django.contrib.auth import get_user_model

    qc = get_user_model().objects.filter(username="qc").first()
    done = 0
    for n, ticket in enumerate(tickets):
        by = ticket.technician.user
        rules = device_rules(device=ticket.device, category=ticket.device.product_model.category)
        fault = _best_fault(ticket.description, [f for f in rules.fault_codes.values() if f.listed])
        if fault is None:
            continue
        try:
            order = repair_order_open(ticket=ticket, by=by)
            order = repair_diagnose(repair_order=order, fault_code=fault.code, findings=f"检测确认：{fault.label}",
                                    cause="元器件老化", by=by, before_photos=[("before.png", _png(n))])
            quote = quote_create(repair_order=order, by=by, lines=[
                {"kind": "labor", "description": "检测维修工时", "unit_price": LABOR.get(rules.category, 80)}])
            if n % 3 == 0:
                continue  # left in quoting
            quote_send(quote=quote, by=by)
            if n % 3 == 1:
                continue  # waiting for the customer
            quote_approve(quote=quote, signature_png=_png(n + 7), signer_name=ticket.customer.name,
                          ip="203.0.113.10", user_agent="Demo/1.0", by=by)
            order = repair_start(repair_order=order, by=by)
            order = repair_submit_qc(repair_order=order, by=by, work_done="更换故障元件并测试",
                                     after_photos=[("after.png", _png(n + 3))], technician_signature_png=_png(n + 5))
            if qc is not None:
                qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc)
            done += 1
        except DomainError as exc:
            stdout.write(f"  repair demo skipped {ticket.number}: {exc}")
    stdout.write(f"  repair orders: {RepairOrder.objects.count()} ({done} through QC)")


def _font(size: int):
    from PIL import ImageFont

    from .reports import FONT_FILE

    return ImageFont.truetype(str(FONT_FILE), size)


def _demo_logo() -> bytes:
    image = Image.new("RGBA", (360, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 190, 190), radius=36, fill=(31, 59, 115, 255))
    draw.text((100, 100), "修", font=_font(120), fill="white", anchor="mm")
    draw.text((275, 70), "示例", font=_font(52), fill=(31, 59, 115, 255), anchor="mm")
    draw.text((275, 135), "服务", font=_font(52), fill=(31, 59, 115, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _demo_seal(name: str) -> bytes:
    """A round red 服务专用章 for the demo letterhead: the name along the top arc, a star, the title."""
    import math

    size, red = 420, (200, 20, 30, 235)
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((12, 12, size - 12, size - 12), outline=red, width=14)
    points = [(c + (52 if i % 2 == 0 else 20) * math.sin(math.radians(i * 36)),
               c - 10 - (52 if i % 2 == 0 else 20) * math.cos(math.radians(i * 36))) for i in range(10)]
    draw.polygon(points, fill=red)
    font = _font(40)
    span = 240  # degrees of the top arc the name covers
    for i, ch in enumerate(name):
        angle = math.radians(-span / 2 + span * (i + 0.5) / len(name))
        glyph = Image.new("RGBA", (60, 60), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((30, 30), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        x, y = c + 150 * math.sin(angle), c - 150 * math.cos(angle)
        image.alpha_composite(glyph, (int(x - 30), int(y - 30)))
    draw.text((c, c + 95), "服务专用章", font=_font(38), fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def seed_branding(*, stdout) -> None:
    """The demo letterhead: provider name, logo and a 服务专用章, as staff would set them in the admin."""
    from django.core.files.base import ContentFile

    from .models import ReportBranding
    from .services import report_branding_update

    if ReportBranding.objects.exists():
        return
    name = "示例家电售后服务有限公司"
    report_branding_update(
        by=None, provider_name=name, brand_name="示例品牌授权服务", service_phone="400-800-0000",
        address="上海市徐汇区漕溪北路 88 号", footer="本报告加盖服务专用章后有效；如有疑问请致电服务热线。",
        logo=ContentFile(_demo_logo(), name="demo-logo.png"), seal=ContentFile(_demo_seal(name), name="demo-seal.png"))
    stdout.write("  report letterhead: demo logo and 服务专用章")


def seed(*, stdout) -> None:
    seed_price_list(stdout=stdout)
    seed_branding(stdout=stdout)
    seed_jobs(stdout=stdout)
