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
