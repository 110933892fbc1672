"""Reads of the intake feature: the active classifier, duplicates, customer lookup, price history."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from tickets.models import ClassifierModel, Customer, Device, FaultCategory, Ticket
from tickets.reference import reference_get
from tickets.triage.model import FORMAT, Sample, TriageModel, corpus_samples, model_for
from tickets.validators import normalize_imei, normalize_phone, normalize_serial

_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"pk": None, "model": None}


def classifier_samples(params: dict[str, Any]) -> list[Sample]:
    """What a stored model was trained on: the committed corpus plus the samples from tickets that
    its row lists (the row keeps inputs, never fitted weights, so no pickle outlives a library)."""
    extra = [Sample(text, label, float(weight)) for text, label, weight in params.get("extra", [])]
    return [*corpus_samples(), *extra]


def classifier_active() -> tuple[int | None, TriageModel | None]:
    """The active model as (version, TriageModel); fitted from its samples once per process and
    cached until a newer one is active (``tickets.reference``: at once in this process, within
    ``REFERENCE_CACHE_SECONDS`` in the others). A row of an older format counts as no model."""
    row = reference_get("classifier", None, lambda: (ClassifierModel.objects.filter(is_active=True, params__format=FORMAT)
                                                     .order_by("-id").values_list("pk", flat=True).first()))
    if row is None:
        return None, None
    with _cache_lock:
        if _cache["pk"] == row and _cache["model"] is not None:
            return row, _cache["model"]
    params = ClassifierModel.objects.values_list("params", flat=True).get(pk=row)
    model = model_for(classifier_samples(params))
    with _cache_lock:
        _cache.update(pk=row, model=model)
    return row, model


def device_history_codes(*, device_id: int | None, exclude_ticket_id: int | None = None,
                         limit: int = 5) -> list[str]:
    """Leaf codes of the device's earlier tickets, newest first: a fault that came back is likely."""
    if not device_id:
        return []
    rows = (Ticket.objects.filter(device_id=device_id, fault_category__isnull=False)
            .exclude(pk=exclude_ticket_id).order_by("-created_at")
            .values_list("fault_category__code", flat=True)[:limit])
    return list(rows)


def leaf_categories() -> QuerySet[FaultCategory]:
    """Active categories without active children: what tickets are classified into."""
    return (FaultCategory.objects.filter(is_active=True)
            .exclude(children__is_active=True).select_related("parent").order_by("parent__code", "code"))


def duplicate_find(*, device: Device, fault_category_id: int | None, now: dt.datetime | None = None) -> Ticket | None:
    """The open ticket of this device and fault category opened within the duplicate window."""
    if device is None or device.pk is None or fault_category_id is None:
        return None
    since = (now or timezone.now()) - dt.timedelta(days=settings.TICKET_DUPLICATE_WINDOW_DAYS)
    return (Ticket.objects.open()
            .filter(device=device, created_at__gte=since)
            .filter(Q(fault_category_id=fault_category_id)
                    | Q(fault_category__isnull=True, predicted_category_id=fault_category_id))
            .order_by("created_at").first())


def customer_lookup(*, phone: str, limit: int = 10) -> dict[str, Any]:
    """Customers whose phone starts with the (partly typed) number, with devices and recent tickets.

    Three queries whatever the number of matches (customers, devices, tickets).
    """
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    # Mainland numbers start with 1 (mobile) or 0 (area code), so a leading 86 is the country code.
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 4:
        return {"results": []}
    try:
        exact = normalize_phone(digits)
    except Exception:  # still typing: prefix search only
        exact = None
    customers = (Customer.objects.filter(Q(phone__startswith=digits) | Q(phone=exact or digits))
                 .prefetch_related(
                     Prefetch("devices", queryset=Device.objects.select_related("product_model").order_by("-created_at")),
                     Prefetch("tickets", queryset=Ticket.objects.select_related("fault_category")
                              .order_by("-created_at")),
                 ).order_by("phone")[:limit])
    results = []
    for c in customers:
        results.append({
            "id": c.pk, "name": c.name, "phone": c.phone, "tier": c.get_tier_display(), "city": c.city,
            "district": c.district, "address": c.address, "email": c.email,
            "devices": [{"id": d.pk, "serial": d.serial_number, "model": str(d.product_model),
                         "product_model_id": d.product_model_id,
                         "purchase_date": d.purchase_date.isoformat() if d.purchase_date else None}
                        for d in c.devices.all()],
            "tickets": [{"id": t.pk, "number": t.number, "status": t.get_status_display(),
                         "is_open": t.is_open, "category": t.fault_category.name if t.fault_category else "",
                         "created_at": timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M"),
                         "title": t.title} for t in list(c.tickets.all())[:10]],
        })
    return {"results": results}


def price_history_for(*, product_model_id: int | None, fault_category_id: int | None,
                      limit: int = 200) -> tuple[Decimal, Decimal, int] | None:
    """Price range seen on resolved tickets of the same model and category (min of the lower bounds,
    max of the upper bounds over the most recent ``limit``), or None without history."""
    if not product_model_id or not fault_category_id:
        return None
    recent = (Ticket.objects.filter(product_model_id=product_model_id, fault_category_id=fault_category_id,
                                    status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
                                    price_min__isnull=False, price_max__isnull=False)
              .order_by("-resolved_at").values_list("pk", flat=True)[:limit])
    agg = Ticket.objects.filter(pk__in=list(recent)).aggregate(lo=Min("price_min"), hi=Max("price_max"), n=Count("pk"))
    if not agg["n"]:
        return None
    return agg["lo"], agg["hi"], agg["n"]


#: Corrections that one agent alone can bring into training, per leaf: one person's habit or
#: mistake must not outweigh the corpus.
CORRECTIONS_PER_AGENT_AND_LEAF = 20


def training_samples_from_tickets(*, limit: int = 50_000) -> list[tuple[str, str]]:
    """(description, leaf code) of tickets whose category is confirmed, newest first.

    Confirmed means the ticket was resolved or closed under the category, or two different agents
    set the same category on it in the triage queue (one agent's correction alone is a proposal:
    it routes the ticket but does not teach the model). Of the corrections confirmed only by
    agents, each first corrector brings at most ``CORRECTIONS_PER_AGENT_AND_LEAF`` per leaf.
    """
    from tickets.models import TriageCorrection

    rows = list(Ticket.objects.filter(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
                                      fault_category__isnull=False, fault_category__is_active=True)
                .order_by("-id").values_list("pk", "description", "fault_category__code")[:limit])
    seen = {pk for pk, _d, _c in rows}
    samples = [(desc, code) for _pk, desc, code in rows]
    votes: dict[tuple[int, str], list[int | None]] = {}
    descriptions: dict[int, str] = {}
    latest: dict[int, str] = {}
    corrections = (TriageCorrection.objects.filter(to_category__is_active=True)
                   .order_by("ticket_id", "created_at", "id")
                   .values_list("ticket_id", "ticket__description", "to_category__code", "corrected_by_id")[:limit])
    for ticket_id, desc, code, agent in corrections:
        descriptions[ticket_id] = desc
        latest[ticket_id] = code
        agents = votes.setdefault((ticket_id, code), [])
        if agent not in agents:
            agents.append(agent)
    per_agent: dict[tuple[int | None, str], int] = {}
    for ticket_id, code in latest.items():
        agents = [a for a in votes[(ticket_id, code)] if a is not None]
        if ticket_id in seen or len(agents) < 2:
            continue
        key = (agents[0], code)
        if per_agent.get(key, 0) >= CORRECTIONS_PER_AGENT_AND_LEAF:
            continue
        per_agent[key] = per_agent.get(key, 0) + 1
        seen.add(ticket_id)
        samples.append((descriptions[ticket_id], code))
    return samples


def device_find_by_serial(serial: str) -> Device | None:
    """A registered device by serial or IMEI in any accepted spelling (spaces, dashes, case)."""
    raw = (serial or "").strip()
    if not raw:
        return None
    candidates = set()
    for normalize in (normalize_imei, normalize_serial):
        try:
            candidates.add(normalize(raw))
        except ValidationError:
            continue
    if not candidates:
        return None
    return Device.objects.select_related("product_model").filter(serial_number__in=candidates).first()
