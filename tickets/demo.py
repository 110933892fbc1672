"""Realistic Chinese demo data for ``manage.py seed_demo``. Idempotent: rows are found by natural keys.

Tickets are created and moved through the real services, so numbers, events and every app's
receivers behave exactly as in production.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import random
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import roles
from .events import TRANSITION_EVENTS
from .intake.taxonomy import taxonomy_sync
from .links import site_url
from .models import Customer, Device, FaultCategory, ProductModel, Ticket, TicketEvent
from .validators import imei_check_digit

DEMO_USERS = [
    ("admin", None, "系统管理员"),
    ("agent", roles.AGENT, "王晓雯"),
    ("dispatcher", roles.DISPATCHER, "李建国"),
    ("manager", roles.MANAGER, "张志强"),
    ("qc", roles.QC, "陈静"),
    ("warehouse", roles.WAREHOUSE, "刘芳"),
    ("ops", roles.OPS, "周敏"),
]

# city, province, region, district, latitude, longitude, address
CITIES = [
    ("北京市", "北京市", "north", "海淀区", "39.959912", "116.298056", "中关村大街 27 号"),
    ("北京市", "北京市", "north", "朝阳区", "39.921470", "116.443108", "朝阳门外大街 18 号"),
    ("上海市", "上海市", "east", "徐汇区", "31.194617", "121.436792", "漕溪北路 88 号"),
    ("上海市", "上海市", "east", "浦东新区", "31.228045", "121.520813", "张杨路 500 号"),
    ("广州市", "广东省", "south", "天河区", "23.135336", "113.327950", "天河路 208 号"),
    ("深圳市", "广东省", "south", "福田区", "22.543527", "114.057939", "深南中路 3018 号"),
    ("杭州市", "浙江省", "east", "西湖区", "30.274084", "120.155070", "文三路 90 号"),
    ("成都市", "四川省", "southwest", "锦江区", "30.657401", "104.080989", "春熙路 15 号"),
    ("武汉市", "湖北省", "central", "洪山区", "30.504259", "114.396248", "珞喻路 1037 号"),
    ("西安市", "陕西省", "northwest", "雁塔区", "34.223144", "108.948024", "小寨东路 126 号"),
    ("南京市", "江苏省", "east", "鼓楼区", "32.066183", "118.783347", "中山路 321 号"),
    ("重庆市", "重庆市", "southwest", "渝中区", "29.556351", "106.577073", "解放碑民族路 188 号"),
]

PRODUCTS = [
    # brand, name, code, category, price, uses_imei
    ("华为", "Mate 60 Pro", "HW-MATE60P", "phone", "6999.00", True),
    ("小米", "小米 14", "MI-14", "phone", "3999.00", True),
    ("OPPO", "Find X7", "OPPO-FX7", "phone", "4499.00", True),
    ("vivo", "X100", "VIVO-X100", "phone", "3999.00", True),
    ("荣耀", "Magic6", "HONOR-M6", "phone", "4399.00", True),
    ("联想", "ThinkPad X1 Carbon", "LNV-X1C", "laptop", "9999.00", False),
    ("华为", "MateBook 14", "HW-MB14", "laptop", "5999.00", False),
    ("华为", "MatePad 11", "HW-MP11", "tablet", "2499.00", False),
    ("海信", "65E7K 液晶电视", "HISENSE-65E7K", "tv", "4999.00", False),
    ("TCL", "65Q10G 液晶电视", "TCL-65Q10G", "tv", "5499.00", False),
    ("海尔", "BCD-470 冰箱", "HAIER-BCD470", "fridge", "3999.00", False),
    ("美的", "BCD-520 冰箱", "MIDEA-BCD520", "fridge", "3599.00", False),
    ("小天鹅", "TG100 滚筒洗衣机", "LS-TG100", "washer", "2799.00", False),
    ("海尔", "EG100 滚筒洗衣机", "HAIER-EG100", "washer", "2599.00", False),
    ("格力", "云佳 KFR-35GW 空调", "GREE-KFR35", "air_conditioner", "2899.00", False),
    ("美的", "酷省电 KFR-35GW 空调", "MIDEA-KFR35", "air_conditioner", "2699.00", False),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "晓东", "子涵", "雨桐", "浩然", "欣怡", "梓轩", "思远", "佳怡", "一鸣"]

REPORTS = {
    "phone": ["屏幕摔碎了，触摸有时候没反应", "手机充不进电，换了充电线也不行", "电池掉电特别快，半天就没电",
              "手机突然开不了机，按电源键没反应", "系统升级后经常卡顿闪退", "手机进水了，现在听筒没声音",
              "屏幕出现绿线，还有花屏", "摄像头拍照模糊，对不上焦", "充电的时候手机发烫很厉害"],
    "laptop": ["笔记本开机黑屏，风扇在转", "键盘有几个键按了没反应", "电池不充电，只能插电用",
               "系统蓝屏，频繁重启", "屏幕有亮点和闪烁"],
    "tablet": ["平板屏幕碎了", "平板充电很慢，充不满", "平板开机卡在logo界面"],
    "tv": ["电视有声音没图像，黑屏", "电视屏幕一半发暗，背光不亮", "电视开机后自动重启"],
    "fridge": ["冰箱冷藏室不制冷，温度降不下来", "冰箱冷冻室结霜严重，有异响", "冰箱压缩机一直响，不停机"],
    "washer": ["洗衣机不脱水，显示E21", "洗衣机底部漏水", "洗衣机脱水时声音很大，晃得厉害"],
    "air_conditioner": ["空调不制冷，只吹自然风", "空调室内机漏水", "空调外机噪音大，显示E1故障"],
}

# target state -> the transitions that lead there from "new"
PATHS = {
    "new": [],
    "triaged": ["triage"],
    "assigned": ["triage", "assign"],
    "in_progress": ["triage", "assign", "start"],
    "waiting_customer": ["triage", "assign", "start", "wait_customer"],
    "waiting_parts": ["triage", "assign", "start", "wait_parts"],
    "quality_check": ["triage", "assign", "start", "submit_qc"],
    "ready": ["triage", "assign", "start", "submit_qc", "pass_qc"],
    "resolved": ["triage", "assign", "start", "submit_qc", "pass_qc", "resolve"],
    "closed": ["triage", "assign", "start", "submit_qc", "pass_qc", "resolve", "close"],
    "reopened": ["triage", "assign", "start", "resolve", "reopen"],
    "cancelled": ["cancel"],
}
STATE_WEIGHTS = {"new": 20, "triaged": 25, "assigned": 35, "in_progress": 40, "waiting_customer": 15,
                 "waiting_parts": 15, "quality_check": 15, "ready": 15, "resolved": 40, "closed": 60,
                 "reopened": 8, "cancelled": 12}


def make_imei(n: int) -> str:
    body = f"86{n:012d}"[:14]
    return body + str(imei_check_digit(body))


TECHS_PER_CENTER = 3  # one per product line: phone, laptop, appliance


def demo_technician_login(center_index: int, line: int) -> str:
    """The login of the ``line``-th technician of the ``center_index``-th centre (both from 0)."""
    return f"tech{center_index * TECHS_PER_CENTER + line + 1}"


def demo_technician_logins() -> list[tuple[str, list[str]]]:
    """(city, technician logins) in CITIES order: the table the banner and the README print."""
    by_city: dict[str, list[str]] = {}
    for i, (city, *_rest) in enumerate(CITIES):
        by_city.setdefault(city, []).extend(demo_technician_login(i, j) for j in range(TECHS_PER_CENTER))
    return list(by_city.items())


@functools.cache
def _demo_password_hash() -> str:
    """One hash of the published demo password for all 43 demo users: hashing it 43 times (a slow
    password hash, on purpose) was most of the demo's start-up time."""
    return make_password(settings.DEMO_PASSWORD)


def _rng() -> random.Random:
    return random.Random(20261122)


def seed_users(*, stdout) -> dict:
    if not settings.DEMO_MODE:
        raise RuntimeError("demo users are never created in production mode")
    user_model = get_user_model()
    users = {}
    for username, role, full_name in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "first_name": full_name,
                                         "email": f"{username}@demo.example.com"})
        if created:
            user.password = _demo_password_hash()
            user.is_superuser = username == "admin"
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    stdout.write(f"  users: {len(users)}")
    return users


def seed_catalog(*, stdout) -> None:
    for brand, name, code, category, price, uses_imei in PRODUCTS:
        ProductModel.objects.get_or_create(code=code, defaults={
            "brand": brand, "name": name, "category": category, "list_price": Decimal(price),
            "uses_imei": uses_imei, "released_on": dt.date(2023, 9, 1)})
    taxonomy_sync()
    stdout.write(f"  product models: {ProductModel.objects.count()}, fault categories: {FaultCategory.objects.count()}")


# (fault category code or "", priority, customer tier, response hours, resolution hours) — business hours.
# Each leaf of the taxonomy brings its own policy (taxonomy_sync); these are the fallbacks.
SLA_POLICIES = [
    ("", "", "", "4", "72"),
    ("", "", "vip", "2", "48"),
    ("", "urgent", "", "1", "24"),
]


def seed_sla_policies(*, stdout) -> None:
    from .models import SlaPolicy

    for code, priority, tier, response, resolution in SLA_POLICIES:
        category = FaultCategory.objects.filter(code=code).first() if code else None
        if code and category is None:
            continue
        name = " · ".join(p for p in (category.name if category else "", priority, tier) if p) or "默认"
        SlaPolicy.objects.get_or_create(
            fault_category=category, priority=priority, customer_tier=tier,
            defaults={"name": name, "response_hours": Decimal(response), "resolution_hours": Decimal(resolution)})
    stdout.write(f"  SLA policies: {SlaPolicy.objects.count()}")


def seed_field_force(*, stdout, users: dict) -> None:
    from repairs.models import ServiceCenter, Technician

    user_model = get_user_model()
    tech_group = Group.objects.get(name=roles.TECHNICIAN)
    skills_by_category = {
        "phone": ["screen", "battery", "charging", "mainboard", "software", "camera", "audio", "rf", "housing"],
        "laptop": ["screen", "battery", "charging", "mainboard", "software", "keyboard", "audio", "rf", "housing"],
        "appliance": ["refrigeration", "washer", "hvac", "tv", "appliance", "install", "cleaning", "logistics"],
    }
    n = 0
    for i, (city, province, region, district, lat, lng, address) in enumerate(CITIES, start=1):
        center, _ = ServiceCenter.objects.get_or_create(code=f"SC{i:03d}", defaults={
            "name": f"{city.rstrip('市')}{district}授权服务中心", "region": region, "province": province,
            "city": city, "district": district, "address": address, "latitude": Decimal(lat),
            "longitude": Decimal(lng), "phone": f"400-800-{i:04d}",
            "service_modes": ["walk_in", "mail_in", "on_site", "remote"],
            "opening_hours": {str(d): ["09:00", "18:00"] if d < 5 else ["10:00", "17:00"] for d in range(7)}})
        if i == 3:
            center.managers.add(users["manager"])
        for j in range(TECHS_PER_CENTER):
            n += 1
            username = demo_technician_login(i - 1, j)
            user, created = user_model.objects.get_or_create(username=username, defaults={
                "first_name": f"工程师{n}", "email": f"{username}@demo.example.com"})
            if created:
                user.password = _demo_password_hash()
                user.save()
            user.groups.add(tech_group)
            line = ["phone", "laptop", "appliance"][j]
            rng = random.Random(n)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            Technician.objects.get_or_create(user=user, defaults={
                "center": center, "employee_no": f"E{n:05d}", "name": name, "phone": f"137{n:08d}",
                "skills": skills_by_category[line],
                "product_categories": {"phone": ["phone", "tablet"], "laptop": ["laptop", "tablet", "desktop"],
                                       "appliance": ["tv", "fridge", "washer", "air_conditioner"]}[line],
                "level": 1 + (n % 4), "capacity": 5 + (n % 4), "is_qc_inspector": j == 0 and i % 2 == 0,
                "last_latitude": Decimal(lat) + Decimal(rng.uniform(-0.03, 0.03)).quantize(Decimal("0.000001")),
                "last_longitude": Decimal(lng) + Decimal(rng.uniform(-0.03, 0.03)).quantize(Decimal("0.000001")),
                "rating": Decimal(str(round(rng.uniform(4.0, 5.0), 2)))})
    from repairs.services.centers import service_centers_locate

    service_centers_locate()  # division codes, hence the areas the centres cover
    stdout.write(f"  service centers: {ServiceCenter.objects.count()}, technicians: {Technician.objects.count()}")


def seed_customers(*, stdout, count: int = 220) -> None:
    rng = _rng()
    models = list(ProductModel.objects.order_by("code"))
    known_phones = set(Customer.objects.values_list("phone", flat=True))
    known_serials = set(Device.objects.values_list("serial_number", flat=True))
    new_customers, wanted = [], []
    for i in range(count):
        city, province, _region, district, lat, lng, _address = CITIES[i % len(CITIES)]
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{i:08d}"
        # the draws happen whether or not the row exists, so a re-run makes the same people
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        tier = rng.choices(["standard", "gold", "vip", "enterprise"], [70, 18, 10, 2])[0]
        street = f"{district}{rng.choice(['建设路', '人民路', '解放路', '中山路', '学府路'])}{rng.randint(1, 300)} 号"
        latitude = Decimal(lat) + Decimal(rng.uniform(-0.08, 0.08)).quantize(Decimal("0.000001"))
        longitude = Decimal(lng) + Decimal(rng.uniform(-0.08, 0.08)).quantize(Decimal("0.000001"))
        if phone not in known_phones:
            new_customers.append(Customer(name=name, phone=phone, tier=tier, province=province, city=city,
                                          district=district, address=street, latitude=latitude,
                                          longitude=longitude))
            known_phones.add(phone)
        model = models[i % len(models)]
        serial = make_imei(10_000 + i) if model.uses_imei else f"{model.code.split('-')[0]}SN{2024000 + i}"
        purchase = timezone.localdate() - dt.timedelta(days=rng.choice([3, 10, 40, 120, 200, 330, 400, 700, 900]))
        sales_channel = rng.choice(["store", "online", "operator"])
        wanted.append((phone, model, serial, purchase, sales_channel, city, i))
    Customer.objects.bulk_create(new_customers, batch_size=500)
    owners = dict(Customer.objects.filter(phone__in=[w[0] for w in wanted]).values_list("phone", "pk"))
    Device.objects.bulk_create([
        Device(product_model=model, owner_id=owners[phone], serial_number=serial, purchase_date=purchase,
               invoice_date=purchase, invoice_number=f"FP{purchase:%Y%m%d}{i:05d}", sales_channel=sales_channel,
               seller="官方旗舰店", purchase_price=model.list_price, region_code="zhejiang" if "杭州" in city else "")
        for phone, model, serial, purchase, sales_channel, city, i in wanted if serial not in known_serials
    ], batch_size=500)
    stdout.write(f"  customers: {Customer.objects.count()}, devices: {Device.objects.count()}")


def _category_for(product_category: str, text: str, leaves: list[FaultCategory]) -> FaultCategory | None:
    best, best_score = None, 0
    for cat in leaves:
        if cat.product_categories and product_category not in cat.product_categories:
            continue
        score = sum(1 for kw in (cat.keywords or []) if kw and kw in text)
        if score > best_score:
            best, best_score = cat, score
    return best or (leaves[0] if leaves else None)


# How long ago a demo ticket in each state was opened (hours): open work is recent, history is older.
# A resolved ticket is younger than the auto-close delay (7 days), or the first sweep would close it now.
AGE_HOURS = {"new": (0.2, 6), "triaged": (0.5, 20), "assigned": (1, 30), "in_progress": (4, 60),
             "waiting_customer": (10, 90), "waiting_parts": (20, 150), "quality_check": (10, 80),
             "ready": (12, 90), "resolved": (24, 24 * 6), "closed": (24 * 5, 24 * 60),
             "reopened": (24 * 2, 24 * 6), "cancelled": (6, 24 * 45)}
TRANSITION_MESSAGES = {"cancel": "客户已自行解决，取消报修", "reopen": "客户反馈问题复现",
                       "resolve": "已更换故障部件并测试正常"}


def _replay_path(ticket: Ticket, target: str, created_at: dt.datetime, end: dt.datetime,
                 rng: random.Random) -> list[tuple[str, str, str, dt.datetime]]:
    """Run the FSM transitions to ``target`` on the unsaved ticket; returns (transition, from, to, at),
    the times spread in order between creation and ``end`` and the ticket's own timestamps set to them."""
    steps = PATHS[target]
    cuts = sorted(rng.uniform(0.05, 1.0) for _ in steps)
    out = []
    for name, cut in zip(steps, cuts, strict=True):
        at = created_at + (end - created_at) * cut
        source = ticket.status
        getattr(ticket, name)()  # the model's transition: validates the path, counts reopens
        if name == "assign":
            ticket.assigned_at = at
            ticket.first_response_at = ticket.first_response_at or at
        elif name == "start":
            ticket.first_response_at = ticket.first_response_at or at
        elif name == "resolve":
            ticket.resolved_at = at
        elif name == "close":
            ticket.closed_at = at
        elif name == "cancel":
            ticket.cancelled_at = at
        out.append((name, source, ticket.status, at))
    return out


def seed_tickets(*, stdout, count: int = 320) -> None:
    """Historical demo tickets, written in bulk with their timelines, SLA clocks and the messages the
    customers already had (marked sent): nothing of the past is queued to go out again."""
    from repairs.models import Technician

    from .models import (
        OutboxMessage,
        SlaClock,
        SlaLedgerEntry,
        TicketSequence,
    )
    from .sla.services import sla_clock_replay

    existing = Ticket.objects.count()
    if existing >= count:
        stdout.write(f"  tickets: {existing} (kept)")
        return
    rng = _rng()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["agent", "dispatcher"])}
    devices = list(Device.objects.select_related("owner", "product_model").order_by("pk"))
    leaves = list(FaultCategory.objects.filter(is_active=True, children__isnull=True))
    techs_by_city: dict[str, list] = {}
    for tech in Technician.objects.filter(on_duty=True).select_related("center", "user").order_by("pk"):
        techs_by_city.setdefault(tech.center.city, []).append(tech)
    all_techs = [t for techs in techs_by_city.values() for t in techs]
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    now = timezone.now()

    tickets, paths = [], []
    sequence: dict[dt.date, int] = dict(TicketSequence.objects.values_list("day", "value"))
    for i in range(existing, count):
        device = devices[i % len(devices)]
        customer = device.owner
        text = rng.choice(REPORTS.get(device.product_model.category, REPORTS["phone"]))
        category = _category_for(device.product_model.category, text, leaves)
        target = rng.choices(states, weights)[0]
        low, high = AGE_HOURS[target]
        created_at = now - dt.timedelta(hours=rng.uniform(low, high))
        day = timezone.localtime(created_at).date()
        sequence[day] = sequence.get(day, 0) + 1
        ticket = Ticket(
            number=f"{settings.TICKET_NUMBER_PREFIX}{day:%Y%m%d}-{sequence[day]:06d}", customer=customer,
            device=device, product_model=device.product_model, description=text, title=text[:60],
            channel=rng.choice(["phone", "web", "app", "mini_program", "store", "email", "ecommerce"]),
            fault_category=category, priority=category.default_priority if category else "normal",
            department=category.department if category else "",
            service_mode=category.default_service_mode if category else "", address=customer.address,
            city=customer.city, district=customer.district, latitude=customer.latitude,
            longitude=customer.longitude, created_at=created_at, updated_at=created_at)
        if "assign" in PATHS[target]:
            technician = rng.choice(techs_by_city.get(customer.city) or all_techs)
            ticket.technician, ticket.service_center = technician, technician.center
        # finished work ended in the past; open work is still moving now
        end = created_at + (now - created_at) * (0.9 if target in Ticket.CLOSED_STATES else 0.98)
        steps = _replay_path(ticket, target, created_at, end, rng)
        if target == "resolved" or target == "closed":
            ticket.resolution = TRANSITION_MESSAGES["resolve"]
        ticket.updated_at = steps[-1][3] if steps else created_at
        tickets.append(ticket)
        paths.append(steps)

    with transaction.atomic():
        for day, value in sequence.items():
            TicketSequence.objects.update_or_create(day=day, defaults={"value": value})
        Ticket.objects.bulk_create(tickets, batch_size=500)
        events: list[TicketEvent] = []
        for ticket, steps in zip(tickets, paths, strict=True):
            events.append(TicketEvent(
                ticket=ticket, kind="ticket.created", actor=None, customer_visible=True, to_state="new",
                message=f"工单 {ticket.number} 已创建（{ticket.get_channel_display()}）",
                payload={"channel": ticket.channel}, created_at=ticket.created_at))
            for name, source, target, at in steps:
                kind, visible, label = TRANSITION_EVENTS[name]
                actor = users.get("dispatcher") if name == "assign" else users.get("agent") if name in (
                    "triage", "cancel", "reopen") else ticket.technician.user if ticket.technician_id else None
                message = TRANSITION_MESSAGES.get(name) or (
                    f"已安排工程师 {ticket.technician.name}" if name == "assign" else str(label))
                payload = {"technician": ticket.technician_id} if name == "assign" else {}
                events.append(TicketEvent(ticket=ticket, kind=kind, actor=actor, from_state=source, to_state=target,
                                          message=message, customer_visible=visible, payload=payload,
                                          created_at=at))
        clocks, ledger, calendars, targets = [], [], {}, {}
        for ticket, steps in zip(tickets, paths, strict=True):
            clock, entries, sla_events = sla_clock_replay(
                ticket=ticket, steps=[(at, source, target) for _n, source, target, at in steps], now=now,
                calendars=calendars, targets=targets)
            clocks.append(clock)
            ledger += entries
            events += [TicketEvent(ticket=ticket, kind=kind, message=message, payload=payload, created_at=at,
                                   customer_visible=False) for at, kind, message, payload in sla_events]
            ticket.due_response_at, ticket.due_resolution_at = clock.due_response_at, clock.due_resolution_at
        SlaClock.objects.bulk_create(clocks, batch_size=500)
        SlaLedgerEntry.objects.bulk_create(ledger, batch_size=500)
        Ticket.objects.bulk_update(tickets, ["due_response_at", "due_resolution_at"], batch_size=500)
        TicketEvent.objects.bulk_create(events, batch_size=1000)
        messages = sent_milestone_messages(tickets, events)
        OutboxMessage.objects.bulk_create(messages, batch_size=500)
    stdout.write(f"  tickets: {Ticket.objects.count()} ({len(events)} timeline events, "
                 f"{len(messages)} past customer messages marked sent)")


def sent_milestone_messages(tickets: list[Ticket], events: list[TicketEvent]) -> list:
    """The milestone messages customers already had for these historical events, as sent rows (to
    bulk-create): the outbox sweep finds every past milestone answered and queues nothing for it."""
    from .milestones import may_send, milestone_of, text_for
    from .models import DeliveryStatus, MessageChannel, OutboxMessage

    sms, sent_status, outbox_model = MessageChannel.SMS, DeliveryStatus.SENT, OutboxMessage

    by_ticket = {t.pk: t for t in tickets}
    done: dict[int, set[str]] = {}
    for ticket_id, milestone in OutboxMessage.objects.filter(ticket__in=tickets).exclude(milestone="").values_list(
            "ticket_id", "milestone"):
        done.setdefault(ticket_id, set()).add(milestone)
    rows = []
    for event in sorted((e for e in events if e.customer_visible), key=lambda e: (e.ticket_id, e.created_at)):
        ticket = by_ticket[event.ticket_id]
        milestone = milestone_of(event)
        if milestone is None or not ticket.customer.phone or not may_send(milestone, done.setdefault(ticket.pk, set())):
            continue
        done[ticket.pk].add(milestone)
        text = text_for(milestone, ticket=ticket, event=event)
        rows.append(outbox_model(
            idempotency_key=f"milestone:{ticket.pk}:{milestone}:{sms}", event=f"milestone.{milestone}",
            milestone=milestone, channel=sms, ticket=ticket, ticket_event=event, customer=ticket.customer,
            to_address=ticket.customer.phone, subject=text.subject[:200],
            body=text.sms(site_url(text.link_path)), status=sent_status, attempts=1,
            next_attempt_at=event.created_at, sent_at=event.created_at, created_at=event.created_at))
    return rows


def seed_app_demos(*, stdout, stage: str) -> None:
    """Call ``<app>.demo.seed(stdout=...)`` of the other apps (stage 'before' or 'after' tickets)."""
    # repairs runs twice: its price list before the tickets (price ranges at intake), its repair
    # orders after them; every demo seed is idempotent.
    order = {"before": ["parts", "repairs", "knowledge"], "after": ["repairs", "surveys"]}[stage]
    for app in order:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError:
            continue
        _timed(stdout, f"{app} ({stage} tickets)", module.seed, stdout=stdout)


def _timed(out, label: str, step, **kwargs):
    started = time.monotonic()
    result = step(**kwargs)
    out.write(f"  {label}: {time.monotonic() - started:.1f} s")
    return result


def seed_all(*, stdout, tickets: int = 320) -> None:
    started = timezone.now()
    users = _timed(stdout, "users", seed_users, stdout=stdout)
    _timed(stdout, "catalog", seed_catalog, stdout=stdout)
    _timed(stdout, "SLA policies", seed_sla_policies, stdout=stdout)
    _timed(stdout, "field force", seed_field_force, stdout=stdout, users=users)
    _timed(stdout, "customers", seed_customers, stdout=stdout)
    seed_app_demos(stdout=stdout, stage="before")
    _timed(stdout, "tickets", seed_tickets, stdout=stdout, count=tickets)
    seed_app_demos(stdout=stdout, stage="after")
    quiet_demo_messages(stdout=stdout, since=started)


def quiet_demo_messages(*, stdout, since: dt.datetime) -> None:
    """The few demo jobs walked through the real workshop services reach customer milestones too:
    write their rows now (as the sweep would) and mark them sent, so the demo's made-up customers
    are never messaged and the worker starts with an empty queue."""
    from .models import DeliveryStatus, OutboxMessage
    from .outbox.services import outbox_collect_events

    with transaction.atomic():
        outbox_collect_events()
        quieted = OutboxMessage.objects.filter(
            ticket__isnull=False, created_at__gte=since,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY]).update(
            status=DeliveryStatus.SENT, sent_at=F("created_at"), attempts=1)
    stdout.write(f"  demo customer messages marked sent: {quieted}")
