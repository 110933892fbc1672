"""Reads of dispatch: which centers serve a ticket's area, and the scored candidate technicians.

Scoring (100 points in all, each factor kept in the breakdown stored on the assignment):
distance 35 (haversine from the ticket's point to the technician's last location if seen in the last
12 hours, else to the center), load 25 (free capacity share), skill level 15, satisfaction 15
(``Technician.rating`` 1–5), customer tier 10 (a VIP or enterprise customer gets points for senior,
well-rated technicians; other tiers get the factor's neutral half for everybody).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.models import ServiceCenter, Technician
from tickets.models import Customer, Ticket, TicketAssignment

WEIGHTS = {"distance": 35.0, "load": 25.0, "skill": 15.0, "rating": 15.0, "tier": 10.0}
DISTANCE_SCALE_KM = 50.0  # 0 km → full points, ≥ 50 km (or the center's radius if larger) → none
FRESH_LOCATION = dt.timedelta(hours=12)
VIP_TIERS = (Customer.Tier.VIP, Customer.Tier.ENTERPRISE)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _f(value) -> float | None:
    return float(value) if value is not None else None


def centers_serving(*, city: str, latitude: Any, longitude: Any, product_category: str = "") -> dict[int, float | None]:
    """Active centers serving the place: same city, the city in ``service_cities``, or the point within
    ``service_radius_km``; and serving the product category (empty list = all). Returns
    ``{center_id: distance_km or None}``."""
    lat, lon = _f(latitude), _f(longitude)
    out: dict[int, float | None] = {}
    rows = ServiceCenter.objects.filter(is_active=True).values_list(
        "pk", "city", "service_cities", "service_radius_km", "latitude", "longitude", "product_categories")
    for pk, c_city, cities, radius, c_lat, c_lon, categories in rows:
        if product_category and categories and product_category not in categories:
            continue
        distance = haversine_km(lat, lon, float(c_lat), float(c_lon)) if lat is not None and lon is not None else None
        if (city and (c_city == city or city in (cities or []))) or (distance is not None and distance <= radius):
            out[pk] = distance
    return out


@dataclass
class Candidate:
    technician_id: int
    name: str
    center_id: int
    score: float
    breakdown: dict[str, Any] = field(default_factory=dict)


def open_load_subquery() -> Subquery:
    active = (TicketAssignment.objects.filter(technician=OuterRef("pk"), status__in=TicketAssignment.ACTIVE_STATUSES)
              .order_by().values("technician").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(active, output_field=IntegerField()), Value(0))


def technicians_with_load() -> QuerySet[Technician]:
    return Technician.objects.annotate(open_load=open_load_subquery())


def _json_contains_supported() -> bool:
    return connection.vendor == "postgresql"


CANDIDATE_FIELDS = ("pk", "name", "center_id", "skills", "product_categories", "level", "capacity", "rating",
                    "last_latitude", "last_longitude", "last_seen_at", "open_load",
                    "center__latitude", "center__longitude", "center__service_radius_km")


def candidate_queryset(*, ticket: Ticket, center_ids: list[int], exclude_ids) -> QuerySet:
    """On-duty technicians of the given centers with their open load (one query).
    On PostgreSQL the skill and product line are filtered in SQL (JSON containment); elsewhere the
    caller filters them in Python."""
    category = ticket.fault_category
    skill = category.required_skill if category else ""
    product_category = ticket.product_model.category if ticket.product_model_id else ""
    # Capacity is checked by the caller on the annotated load: filtering on it in SQL would make
    # PostgreSQL evaluate the load subquery twice per row.
    qs = technicians_with_load().filter(on_duty=True, center_id__in=center_ids).exclude(pk__in=list(exclude_ids))
    if _json_contains_supported():
        if skill:
            qs = qs.filter(skills__contains=[skill])
        if product_category:
            qs = qs.filter(Q(product_categories=[]) | Q(product_categories__contains=[product_category]))
    return qs.values(*CANDIDATE_FIELDS)


def dispatch_candidates(*, ticket: Ticket, exclude_ids: set[int] | frozenset = frozenset(),
                        limit: int = 10, now: dt.datetime | None = None) -> list[Candidate]:
    """On-duty technicians of centers serving the ticket's area, with the category's required skill
    and the product category, under capacity; scored and sorted best first (ties: lower id)."""
    now = now or timezone.now()
    category = ticket.fault_category
    skill = category.required_skill if category else ""
    product_category = ticket.product_model.category if ticket.product_model_id else ""
    centers = centers_serving(city=ticket.city, latitude=ticket.latitude, longitude=ticket.longitude,
                              product_category=product_category)
    if not centers:
        return []
    rows = candidate_queryset(ticket=ticket, center_ids=list(centers), exclude_ids=exclude_ids)
    t_lat, t_lon = _f(ticket.latitude), _f(ticket.longitude)
    vip = ticket.customer.tier in VIP_TIERS
    out = []
    for row in rows:
        if row["open_load"] >= row["capacity"]:
            continue
        if skill and skill not in (row["skills"] or []):
            continue
        if product_category and row["product_categories"] and product_category not in row["product_categories"]:
            continue
        out.append(_score(row, skill=skill, t_lat=t_lat, t_lon=t_lon, vip=vip, tier=ticket.customer.tier, now=now))
    out.sort(key=lambda c: (-c.score, c.technician_id))
    return out[:limit]


def _score(row: dict, *, skill: str, t_lat, t_lon, vip: bool, tier: str, now: dt.datetime) -> Candidate:
    fresh = row["last_seen_at"] is not None and now - row["last_seen_at"] <= FRESH_LOCATION \
        and row["last_latitude"] is not None
    src_lat, src_lon = ((row["last_latitude"], row["last_longitude"]) if fresh
                        else (row["center__latitude"], row["center__longitude"]))
    if t_lat is not None and t_lon is not None:
        km = haversine_km(t_lat, t_lon, float(src_lat), float(src_lon))
        scale = max(DISTANCE_SCALE_KM, float(row["center__service_radius_km"] or 0))
        distance_share = max(0.0, 1.0 - km / scale)
    else:
        km, distance_share = None, 0.5
    load_share = 1.0 - row["open_load"] / max(row["capacity"], 1)
    level_share = row["level"] / 4.0
    rating = float(row["rating"])
    rating_share = min(max((rating - 1.0) / 4.0, 0.0), 1.0)
    tier_share = (level_share + rating_share) / 2 if vip else 0.5
    shares = {"distance": distance_share, "load": load_share, "skill": level_share, "rating": rating_share,
              "tier": tier_share}
    points = {k: round(WEIGHTS[k] * v, 2) for k, v in shares.items()}
    total = round(sum(points.values()), 2)
    breakdown = {
        "distance": {"km": round(km, 2) if km is not None else None,
                     "from": "last_location" if fresh else "center", "points": points["distance"]},
        "load": {"open": row["open_load"], "capacity": row["capacity"], "points": points["load"]},
        "skill": {"skill": skill, "level": row["level"], "points": points["skill"]},
        "rating": {"rating": rating, "points": points["rating"]},
        "tier": {"tier": tier, "vip": vip, "points": points["tier"]},
        "weights": WEIGHTS,
        "total": total,
    }
    return Candidate(technician_id=row["pk"], name=row["name"], center_id=row["center_id"], score=total,
                     breakdown=breakdown)


def dispatch_queue() -> QuerySet[Ticket]:
    """Tickets waiting for a technician (triaged or reopened), most urgent SLA first, VIP first on
    equal urgency; tickets without a deadline last."""
    vip_first = Q(customer__tier__in=VIP_TIERS)
    from django.db.models import Case, When

    return (Ticket.objects.filter(status__in=[Ticket.Status.TRIAGED, Ticket.Status.REOPENED])
            .select_related("customer", "fault_category", "product_model", "service_center")
            .annotate(vip_rank=Case(When(vip_first, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by(F("due_resolution_at").asc(nulls_last=True), "vip_rank", "created_at"))


def assignment_explain(breakdown: dict) -> str:
    """One line for the dispatcher: why this technician."""
    if not breakdown:
        return ""
    d = breakdown.get("distance", {})
    km = d.get("km")
    load = breakdown.get("load", {})
    parts = [
        _("距离 %(km)s 公里") % {"km": km} if km is not None else _("距离未知"),
        _("负载 %(open)s/%(cap)s") % {"open": load.get("open"), "cap": load.get("capacity")},
        _("等级 %(level)s") % {"level": breakdown.get("skill", {}).get("level")},
        _("评分 %(rating)s") % {"rating": breakdown.get("rating", {}).get("rating")},
    ]
    if breakdown.get("tier", {}).get("vip"):
        parts.append(_("VIP 优先"))
    return _("%(total)s 分：") % {"total": breakdown.get("total")} + "，".join(parts)
