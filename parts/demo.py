"""Demo stock for ``manage.py seed_demo`` (idempotent; runs after the hub's core data).

A central warehouse, one regional warehouse per region that has service centers, a stock location per
service center and a van per technician, each with a 旧件库 where old parts go; parts for every demo
product model; stock received through the services (so the ledger is real), serialized units with
labels, a few transfers in different states and today's low-stock alerts.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from tickets.models import ProductModel

from . import services
from .models import Location, Part, SerialUnit, StockLevel, StockMovement, Transfer

# category -> [(suffix, name, part category, cost share of list price, serialized, main part, warranty days)]
TEMPLATES = {
    "phone": [("SCR", "屏幕总成", "screen", "0.18", False, False, 90),
              ("BAT", "电池", "battery", "0.03", False, False, 180),
              ("MB", "主板", "mainboard", "0.35", True, True, 365),
              ("CAM", "后置摄像头模组", "camera", "0.06", False, False, 90),
              ("USB", "尾插充电小板", "charging", "0.01", False, False, 90)],
    "laptop": [("LCD", "液晶屏", "screen", "0.15", False, False, 90),
               ("KB", "键盘", "keyboard", "0.03", False, False, 90),
               ("BAT", "电池", "battery", "0.05", False, False, 180),
               ("MB", "主板", "mainboard", "0.35", True, True, 365)],
    "tablet": [("SCR", "屏幕总成", "screen", "0.2", False, False, 90),
               ("BAT", "电池", "battery", "0.04", False, False, 180)],
    "tv": [("PNL", "液晶面板", "panel", "0.45", True, True, 365),
           ("PWR", "电源板", "power", "0.04", False, False, 90),
           ("CTL", "主控板", "control", "0.06", False, False, 90)],
    "fridge": [("CMP", "压缩机", "compressor", "0.15", True, True, 1095),
               ("CTL", "控制板", "control", "0.05", False, False, 90)],
    "washer": [("MOT", "电机", "motor", "0.15", True, True, 1095),
               ("CTL", "程控器", "control", "0.05", False, False, 90)],
    "air_conditioner": [("CMP", "压缩机", "compressor", "0.2", True, True, 1095),
                        ("CTL", "室内机主板", "control", "0.05", False, False, 90),
                        ("FAN", "风机电机", "motor", "0.04", False, False, 90)],
}
SUPPLIERS = {"phone": "深圳华强电子", "laptop": "昆山精密", "tablet": "深圳华强电子", "tv": "京东方配套",
             "fridge": "黄石东贝", "washer": "常州雷利", "air_conditioner": "珠海凌达"}
REGION_NAMES = {"north": "华北", "east": "华东", "south": "华南", "central": "华中", "southwest": "西南",
                "northwest": "西北", "northeast": "东北"}
# (on hand, reorder point) per location kind
LEVELS = {"central": (120, 40), "regional": (30, 10), "center": (6, 3), "van": (2, 1)}
VAN_SUFFIXES = {"SCR", "BAT", "CTL"}


def _location(code: str, **fields) -> Location:
    location, _ = Location.objects.get_or_create(code=code, defaults=fields)
    return location


def _defective_store(parent: Location) -> Location:
    return _location(f"{parent.code}-OLD", name=f"{parent.name}旧件库", kind=Location.Kind.DEFECTIVE,
                     parent=parent, city=parent.city, latitude=parent.latitude, longitude=parent.longitude)


def seed_locations() -> dict:
    from repairs.models import ServiceCenter, Technician

    central = _location("CW-WUHAN", name="武汉中心仓", kind=Location.Kind.CENTRAL, city="武汉市",
                        latitude=Decimal("30.592849"), longitude=Decimal("114.305539"))
    _defective_store(central)
    regional, centers = {}, {}
    for center in ServiceCenter.objects.order_by("code"):
        if center.region not in regional:
            reg = _location(f"RW-{center.region.upper()}", name=f"{REGION_NAMES.get(center.region, center.region)}区域仓",
                            kind=Location.Kind.REGIONAL, parent=central, city=center.city,
                            latitude=center.latitude, longitude=center.longitude)
            _defective_store(reg)
            regional[center.region] = reg
        centers[center.pk] = _location(f"SC-{center.code}", name=f"{center.name}备件库", kind=Location.Kind.CENTER,
                                       parent=regional[center.region], center=center, city=center.city,
                                       latitude=center.latitude, longitude=center.longitude)
    vans = {}
    for tech in Technician.objects.select_related("center").order_by("employee_no"):
        parent = centers.get(tech.center_id)
        vans[tech.pk] = (_location(f"VAN-{tech.employee_no}", name=f"{tech.name}车载库", kind=Location.Kind.VAN,
                                   parent=parent, technician=tech, city=tech.center.city), tech)
    return {"central": central, "regional": regional, "centers": centers, "vans": vans}


def seed_parts() -> list[Part]:
    parts = []
    for pm in ProductModel.objects.order_by("code"):
        for suffix, name, category, share, serialized, main, warranty in TEMPLATES.get(pm.category, []):
            price = pm.list_price or Decimal("1000")
            cost = (price * Decimal(share)).quantize(Decimal("1.00"))
            part, created = Part.objects.get_or_create(sku=f"{pm.code}-{suffix}", defaults={
                "name": f"{pm.name} {name}", "category": category, "cost_price": cost,
                "retail_price": (cost * Decimal("1.8")).quantize(Decimal("1.00")), "warranty_days": warranty,
                "is_serialized": serialized, "main_part_for": [pm.category] if main else [],
                "supplier": SUPPLIERS.get(pm.category, ""), "lead_time_days": 14 if serialized else 7})
            if created:
                part.compatible_models.add(pm)
            parts.append(part)
    return parts


def _stock(part: Part, location: Location, quantity: int, reorder_point: int, rows: dict) -> None:
    """Queue the opening stock of one shelf: its level, its receive movements (one per serial for
    serialized parts, as the receiving service writes them) and the serial units."""
    if (part.pk, location.pk) in rows["existing"]:
        return
    if part.is_serialized:
        # Expensive serialized parts are stocked thin on purpose; alert only when the shelf is empty.
        reorder_point = min(reorder_point, quantity // 3)
        for n in range(1, quantity + 1):
            unit = SerialUnit(part=part, serial=f"{part.sku}-{location.code}-{n:03d}".upper(), location=location)
            rows["units"].append(unit)
            rows["unit_moves"].append(StockMovement(part=part, location=location, kind=StockMovement.Kind.RECEIVE,
                                                    on_hand_delta=1, reference="DEMO", serial_unit=unit))
    else:
        rows["moves"].append(StockMovement(part=part, location=location, kind=StockMovement.Kind.RECEIVE,
                                           on_hand_delta=quantity, reference="DEMO"))
    rows["levels"].append(StockLevel(part=part, location=location, on_hand=quantity, reorder_point=reorder_point))


def seed_stock(places: dict, parts: list[Part]) -> None:
    """Opening stock in bulk: the same rows the receiving services write (level, ledger, serial
    units), a few inserts instead of one transaction per shelf."""
    rows: dict = {"levels": [], "moves": [], "units": [], "unit_moves": [],
                  "existing": set(StockLevel.objects.values_list("part_id", "location_id"))}
    serial_cap = {"central": 12, "regional": 4, "center": 1}
    categories = {pk: category for pk, category in
                  Part.compatible_models.through.objects.values_list("part_id", "productmodel__category")}
    for part in parts:
        category = categories.get(part.pk, "")
        on_hand, rop = LEVELS["central"]
        _stock(part, places["central"], min(on_hand, serial_cap["central"]) if part.is_serialized else on_hand, rop,
               rows)
        for reg in places["regional"].values():
            on_hand, rop = LEVELS["regional"]
            _stock(part, reg, min(on_hand, serial_cap["regional"]) if part.is_serialized else on_hand, rop, rows)
        for loc in places["centers"].values():
            cats = loc.center.product_categories or []
            if cats and category not in cats:
                continue
            on_hand, rop = LEVELS["center"]
            # Some center shelves run low so the daily alert has something to say.
            if part.sku.endswith("-SCR") and loc.code.endswith("1"):
                on_hand = 2
            _stock(part, loc, serial_cap["center"] if part.is_serialized else on_hand, rop, rows)
        for van, tech in places["vans"].values():
            if category in (tech.product_categories or []) and part.sku.rsplit("-", 1)[-1] in VAN_SUFFIXES:
                on_hand, rop = LEVELS["van"]
                _stock(part, van, on_hand, rop, rows)
    StockLevel.objects.bulk_create(rows["levels"], batch_size=500)
    SerialUnit.objects.bulk_create(rows["units"], batch_size=500)
    StockMovement.objects.bulk_create(rows["moves"] + rows["unit_moves"], batch_size=500)


def seed_transfers(places: dict, parts: list[Part]) -> None:
    if Transfer.objects.filter(note__startswith="DEMO").exists():
        return
    centers = list(places["centers"].values())
    plain = [p for p in parts if not p.is_serialized][:4]
    if len(centers) < 2 or not plain:
        return
    steps = [[], [services.transfer_approve], [services.transfer_approve, services.transfer_ship],
             [services.transfer_approve, services.transfer_ship, services.transfer_receive]]
    for i, part in enumerate(plain):
        source = places["regional"][centers[i % len(centers)].center.region]
        transfer = services.transfer_request(part=part, source=source, destination=centers[i % len(centers)],
                                             quantity=2, by=None, note="DEMO 补货")
        for step in steps[i % len(steps)]:
            step(transfer=transfer, by=None)


def seed(*, stdout) -> None:
    with transaction.atomic():
        places = seed_locations()
        parts = seed_parts()
        seed_stock(places, parts)
        seed_transfers(places, parts)
    # The forecasts (a few queries per shelf, 1,300 shelves) are the daily job's: queued for the worker
    # rather than computed here, so the first page does not wait for them.
    from django_q.tasks import async_task

    async_task("parts.tasks.stock_low_alerts_daily", task_name="demo-forecasts")
    alerts = services.stock_low_alerts_run()
    stdout.write(f"  parts: {len(parts)}, locations: {Location.objects.count()}, "
                 f"stock levels: {StockLevel.objects.count()}, new low-stock alerts: {len(alerts)}")
