"""Fast bulk generator of tickets with customers, devices and events for benchmarks.

Writes with bulk_create in batches (bypassing services on purpose: benchmarks need volume,
not timelines; numbers and tokens are still unique and well-formed).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tickets.models import Customer, Device, FaultCategory, ProductModel, Ticket, TicketEvent
from tickets.validators import imei_check_digit

STATES = [s for s, _label in Ticket.Status.choices]
#: (title, description) of generated tickets, cycled, so that a word search matches a realistic share
#: of rows: 触摸 one in ten, 漏水 about one in a thousand, 黑屏 about one in a hundred thousand.
FAULTS = [("屏幕碎了", "屏幕碎了，触摸失灵"), ("电池鼓包", "电池鼓包，续航很短"),
          ("无法开机", "无法开机，按电源键没反应"), ("充电故障", "充电口接触不良，充不进电"),
          ("摄像头故障", "摄像头模糊，拍照有黑点"), ("听筒无声", "听筒没有声音，通话听不清"),
          ("进水重启", "进水后自动重启"), ("按键失灵", "音量键按不动"),
          ("信号问题", "信号差，经常无服务"), ("发热卡顿", "发热严重，玩游戏卡顿")]
RARE_FAULT, RARE_EVERY = ("洗衣机漏水", "洗衣机漏水，底部有水渍"), 997
RAREST_FAULT, RAREST_EVERY = ("开机黑屏", "开机黑屏，指示灯闪烁"), 100_003


def _imei(n: int) -> str:
    body = f"35{n:012d}"[:14]
    return body + str(imei_check_digit(body))


def generate(n: int, *, batch: int = 5000, seed: int = 1, events_per_ticket: int = 2,
             open_only: bool = False) -> int:
    """Create ``n`` tickets (plus one customer and device each and a few events). Returns n."""
    rng = random.Random(seed)
    model, _ = ProductModel.objects.get_or_create(code="BENCH-PHONE", defaults={
        "brand": "基准", "name": "Bench Phone", "category": "phone", "uses_imei": True})
    category, _ = FaultCategory.objects.get_or_create(code="bench-screen", defaults={"name": "屏幕故障"})
    start = Customer.objects.count() + Ticket.objects.count() * 7 + seed * 10_000_000
    now = timezone.now()
    open_states = [s for s in STATES if s in Ticket.OPEN_STATES]
    made = 0
    while made < n:
        size = min(batch, n - made)
        base = start + made
        with transaction.atomic():
            customers = Customer.objects.bulk_create([
                Customer(name=f"基准客户{base + i}", phone=f"19{(base + i) % 10**9:09d}", city="上海市",
                         latitude=Decimal("31.23"), longitude=Decimal("121.47"))
                for i in range(size)])
            devices = Device.objects.bulk_create([
                Device(product_model=model, owner=c, serial_number=_imei(base + i),
                       purchase_date=dt.date(2026, 1, 1)) for i, c in enumerate(customers)])
            tickets = []
            for i, (c, d) in enumerate(zip(customers, devices, strict=True)):
                created = now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 90))
                state = rng.choice(open_states if open_only else STATES)
                t = Ticket(number=f"BM{seed:02d}-{base + i:010d}", tracking_token=secrets.token_urlsafe(24),
                           uuid=uuid.uuid4(), customer=c, device=d, product_model=model,
                           fault_category=category, description="屏幕碎了", channel="app", city="上海市",
                           due_resolution_at=created + dt.timedelta(hours=rng.randint(4, 96)),
                           due_response_at=created + dt.timedelta(hours=2))
                t.__dict__["status"] = state  # protected FSM field: set raw for bulk creation only
                t.created_at = created
                tickets.append(t)
            tickets = Ticket.objects.bulk_create(tickets)
            TicketEvent.objects.bulk_create([
                TicketEvent(ticket=t, kind="ticket.created", to_state="new", created_at=t.created_at,
                            customer_visible=True)
                for t in tickets for _ in range(events_per_ticket)])
        made += size
    return made


# ---------------------------------------------------------------------------------------------
# Server-side generation: one INSERT … SELECT FROM generate_series per table (PostgreSQL), about a
# minute per million tickets with their customers and devices on a small machine.
# ---------------------------------------------------------------------------------------------

def _literal(field, value, connection) -> str:
    import json

    from django.db import models

    if value is None:
        return "NULL"
    if isinstance(field, models.JSONField):
        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return "now()"
    if isinstance(value, dt.date):
        return "current_date"
    return "'" + str(value).replace("'", "''") + "'"


def _insert_series(model, n: int, start: int, exprs: dict[str, str]) -> None:
    """Insert ``n`` rows of ``model``; ``exprs`` maps columns to SQL over ``i`` (start+1 … start+n);
    other non-null columns get the field's default (or an empty value of its type)."""
    from django.db import connection, models

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in exprs:
            continue
        if f.column in exprs:
            columns.append(f.column)
            values.append(exprs[f.column])
            continue
        if f.null:
            continue
        if f.has_default():
            default = f.get_default()
        elif isinstance(f, models.CharField | models.TextField):
            default = ""
        elif isinstance(f, models.BooleanField):
            default = False
        elif isinstance(f, models.IntegerField | models.FloatField | models.DecimalField):
            default = 0
        elif isinstance(f, models.DateTimeField):
            default = dt.datetime.now()
        else:
            raise ValueError(f"no value for {model.__name__}.{f.name}")
        columns.append(f.column)
        values.append(_literal(f, default, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {', '.join(values)} "
                    f"FROM generate_series({start + 1}, {start + n}) AS g(i)")


def generate_sql(n: int, *, technician_ids: list[int], assigned_share: float = 0.4, seed: int = 1) -> int:
    """``n`` tickets (and one customer and device each), numbers ``BM<seed>-<i>``, phones ``19<i>``,
    IMEI-like serials ``86<i>``; ``assigned_share`` of them spread over ``technician_ids``. Rows are
    appended after what the tables already hold; returns n."""
    from django.db import connection
    from django.utils import timezone

    model, _ = ProductModel.objects.get_or_create(code="BENCH-PHONE", defaults={
        "brand": "基准", "name": "Bench Phone", "category": "phone", "uses_imei": True})
    category, _ = FaultCategory.objects.get_or_create(code="bench-screen", defaults={"name": "屏幕故障"})
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM tickets_customer")
        c0 = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM tickets_device")
        d0 = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        t0 = cur.fetchone()[0]
    base = seed * 100_000_000 + t0
    tz_now = timezone.now().isoformat()
    techs = "ARRAY[" + ",".join(str(t) for t in technician_ids) + "]::bigint[]" if technician_ids else None
    states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
    with transaction.atomic():
        _insert_series(Customer, n, c0, {
            "id": "i", "name": "'基准客户' || i", "phone": f"'19' || lpad(({base} - {t0} + i)::text, 9, '0')",
            "city": "'上海市'", "created_at": "now()", "updated_at": "now()"})
        _insert_series(Device, n, d0, {
            "id": "i", "owner_id": f"i - {d0} + {c0}", "product_model_id": str(model.pk),
            "serial_number": f"'86' || lpad(({base} - {t0} + i)::text, 13, '0')", "purchase_date": "'2026-01-01'",
            "created_at": "now()", "updated_at": "now()"})
        def text(column: int) -> str:
            faults = "ARRAY[" + ",".join("'" + pair[column] + "'" for pair in FAULTS) + "]"
            return (f"CASE WHEN i % {RAREST_EVERY} = 0 THEN '{RAREST_FAULT[column]}' "
                    f"WHEN i % {RARE_EVERY} = 0 THEN '{RARE_FAULT[column]}' "
                    f"ELSE ({faults})[1 + (i % {len(FAULTS)})] END")

        tech_expr = (f"CASE WHEN (i % 1000) < {int(assigned_share * 1000)} THEN "
                     f"({techs})[1 + (i % {len(technician_ids)})] END") if techs else "NULL"
        _insert_series(Ticket, n, t0, {
            "id": "i", "number": f"'BM{seed:02d}-' || lpad(i::text, 10, '0')",
            "tracking_token": "md5(i::text || random()::text)", "uuid": "gen_random_uuid()",
            "customer_id": f"i - {t0} + {c0}", "device_id": f"i - {t0} + {d0}", "product_model_id": str(model.pk),
            "fault_category_id": str(category.pk), "description": text(1), "title": text(0),
            "channel": "'app'", "city": "'上海市'", "technician_id": tech_expr,
            "status": f"({states})[1 + (i % {len(STATES)})]",
            "created_at": f"'{tz_now}'::timestamptz - ((i % 129600) * interval '1 minute')",
            "updated_at": f"'{tz_now}'::timestamptz"})
        with connection.cursor() as cur:
            for table in ("tickets_customer", "tickets_device", "tickets_ticket"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cur:
        cur.execute("ANALYZE tickets_customer, tickets_device, tickets_ticket")
    return n
