"""Reads of dispatch: which centres serve a place (the one rule, also used by triage), the scored
candidate technicians, and why nobody fits.

Scoring (100 points in all, each factor kept in the breakdown stored on the assignment):
distance 35 (from the ticket's point to the technician's last location if seen in the last
12 hours, else to the center), load 25 (free capacity share), skill level 15, satisfaction 15
(``Technician.rating`` 1–5), customer tier 10 (a VIP or enterprise customer gets points for senior,
well-rated technicians; other tiers get the factor's neutral half for everybody).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repairs.models import ServiceCenter, Technician
from tickets.address import address_resolve, ticket_place
from tickets.geo import distance_km
from tickets.models import Customer, Ticket, TicketAssignment

WEIGHTS = {"distance": 35.0, "load": 25.0, "skill": 15.0, "rating": 15.0, "tier": 10.0}
DISTANCE_SCALE_KM = 50.0  # 0 km → full points, ≥ 50 km (or the center's radius if larger) → none
FRESH_LOCATION = dt.timedelta(hours=12)
VIP_TIERS = (Customer.Tier.VIP, Customer.Tier.ENTERPRISE)


def _f(value) -> float | None:
    return float(value) if value is not None else None


# ---------------------------------------------------------------------------------------------
# Which centres serve a place: the one rule, used by triage (through the hub's registry) and dispatch
# ---------------------------------------------------------------------------------------------

class Miss:
    """Why a centre does not serve a place (codes kept in the dispatcher's explanation)."""

    CLOSED = "center_closed"
    PRODUCT = "center_product"
    MODE = "center_mode"
    AREA = "area"
    TOO_FAR = "too_far"


NEAR_MISS_RADII = 3  # a centre within this many service radii is "too far"; beyond, "doesn't cover the area"


@dataclass(frozen=True)
class CenterMatch:
    center: ServiceCenter
    distance_km: float | None
    covers: str  # "area" (a coverage code), "radius" (within the service radius) or "anywhere"


def center_codes(center: ServiceCenter) -> tuple[str, str, str]:
    """A centre's own province, city and district codes (a centre stored without codes, e.g. by a
    raw import, is placed from its typed address; the parse is cached)."""
    if center.province_code:
        return center.province_code, center.city_code, center.district_code
    place = address_resolve(province=center.province, city=center.city, district=center.district)
    return place.province_code, place.city_code, place.district_code


def center_coverage(center: ServiceCenter) -> frozenset[str]:
    """The division codes a centre covers: its coverage list, else its own city."""
    codes = [str(c) for c in (center.coverage_codes or []) if c]
    if codes:
        return frozenset(codes)
    province, city, _district = center_codes(center)
    own = city or province
    return frozenset([own]) if own else frozenset()


def center_miss(center: ServiceCenter, *, codes: frozenset[str], latitude: Any, longitude: Any,
                product_category: str = "", service_mode: str = "", anywhere: bool = False
                ) -> tuple[str | None, float | None]:
    """``(None, distance)`` when ``center`` serves the place, else ``(reason, distance)``.

    A centre serves a place when it is open, handles the product line (empty list = all) and the
    service mode, and either one of its coverage codes is one of the place's codes (province, city
    or district, so 上海, 上海市 and 徐汇区 all match a centre covering 上海市) or the place lies
    within its service radius. ``anywhere`` drops the area test (mail-in repairs)."""
    distance = distance_km(latitude, longitude, center.latitude, center.longitude)
    if not center.is_active:
        return Miss.CLOSED, distance
    if product_category and center.product_categories and product_category not in center.product_categories:
        return Miss.PRODUCT, distance
    if service_mode and service_mode not in (center.service_modes or []):
        return Miss.MODE, distance
    if anywhere or codes & center_coverage(center):
        return None, distance
    if distance is not None and distance <= center.service_radius_km:
        return None, distance
    # Just outside the radius the radius is what decides; far away the area is simply not covered.
    near_miss = distance is not None and distance <= NEAR_MISS_RADII * center.service_radius_km
    return (Miss.TOO_FAR if near_miss else Miss.AREA), distance


def centers_for_place(*, codes: Iterable[str], latitude: Any, longitude: Any, product_category: str = "",
                      service_mode: str = "", anywhere: bool = False) -> list[CenterMatch]:
    """Which centres serve a place (see ``center_miss``), nearest first; at equal or unknown distance
    a centre in the place's own district first, then by code. One query."""
    codes = frozenset(c for c in codes if c)
    out = []
    for center in ServiceCenter.objects.filter(is_active=True).order_by("code"):
        miss, distance = center_miss(center, codes=codes, latitude=latitude, longitude=longitude,
                                     product_category=product_category, service_mode=service_mode,
                                     anywhere=anywhere)
        if miss is None:
            covers = "anywhere" if anywhere else ("area" if codes & center_coverage(center) else "radius")
            out.append(CenterMatch(center, distance, covers))
    out.sort(key=lambda m: (m.distance_km is None, round(m.distance_km or 0.0, 3),
                            center_codes(m.center)[2] not in codes, m.center.code))
    return out


def _product_category(ticket: Ticket) -> str:
    return ticket.product_model.category if ticket.product_model_id else ""


def dispatch_centers(*, ticket: Ticket) -> dict[int, float | None]:
    """``{center_id: distance_km}`` of the centres whose technicians may take the ticket: the centre
    triage chose (the customer was told about it), else every centre serving the ticket's place."""
    codes, lat, lon = ticket_place(ticket)
    if ticket.service_center_id:
        center = ticket.service_center
        return {center.pk: distance_km(lat, lon, center.latitude, center.longitude)}
    mode = ticket.service_mode if ticket.service_mode in ("on_site", "walk_in") else ""
    return {m.center.pk: m.distance_km for m in centers_for_place(
        codes=codes, latitude=lat, longitude=lon, product_category=_product_category(ticket), service_mode=mode)}


@dataclass
class Candidate:
    technician_id: int
    name: str
    center_id: int
    score: float
    breakdown: dict[str, Any] = field(default_factory=dict)


# Active assignments are counted no further than this: capacities are far below it (a handful of jobs),
# so "at capacity" and the load share stay exact, while a technician's load costs at most this many index
# entries to count, however many jobs were ever pushed onto them by overrides or bad imports.
LOAD_COUNT_CAP = 100


class _CountOf(Subquery):
    """COUNT(*) of a (sliced) subquery's rows."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def open_load_subquery() -> Subquery:
    """A technician's active assignments (offered or accepted), counted up to ``LOAD_COUNT_CAP``."""
    active = (TicketAssignment.objects.filter(technician=OuterRef("pk"), status__in=TicketAssignment.ACTIVE_STATUSES)
              .order_by().values("pk")[:LOAD_COUNT_CAP])
    return _CountOf(active)


def live_app_tokens(now: dt.datetime | None = None) -> QuerySet:
    """The technicians' app tokens still valid: a user with one is signed in to the app on some device
    (logging out revokes the token)."""
    from knox.models import get_token_model

    return get_token_model().objects.filter(Q(expiry__isnull=True) | Q(expiry__gt=now or timezone.now()))


def technicians_with_load() -> QuerySet[Technician]:
    return Technician.objects.annotate(open_load=open_load_subquery())


def _json_contains_supported() -> bool:
    return connection.vendor == "postgresql"


CANDIDATE_FIELDS = ("pk", "name", "center_id", "on_duty", "skills", "product_categories", "level", "capacity", "rating",
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


def technician_miss(row: dict, *, skill: str, product_category: str) -> str | None:
    """The first of the technician's own criteria (duty, skill, product line, capacity) that ``row``
    fails, or None: the one rule behind the auto-dispatch, the eliminations and the dispatch screen."""
    if not row["on_duty"]:
        return "off_duty"
    if skill and skill not in (row["skills"] or []):
        return "skill"
    if product_category and row["product_categories"] and product_category not in row["product_categories"]:
        return "product"
    if row["open_load"] >= row["capacity"]:
        return "capacity"
    return None


def dispatch_candidates(*, ticket: Ticket, exclude_ids: set[int] | frozenset = frozenset(),
                        limit: int = 10, now: dt.datetime | None = None) -> list[Candidate]:
    """On-duty technicians of centers serving the ticket's area, with the category's required skill
    and the product category, under capacity; scored and sorted best first (ties: lower id)."""
    now = now or timezone.now()
    category = ticket.fault_category
    skill = category.required_skill if category else ""
    product_category = ticket.product_model.category if ticket.product_model_id else ""
    centers = dispatch_centers(ticket=ticket)
    if not centers:
        return []
    rows = candidate_queryset(ticket=ticket, center_ids=list(centers), exclude_ids=exclude_ids)
    _codes, lat, lon = ticket_place(ticket)
    t_lat, t_lon = _f(lat), _f(lon)
    vip = ticket.customer.tier in VIP_TIERS
    out = [candidate_score(row, skill=skill, t_lat=t_lat, t_lon=t_lon, vip=vip, tier=ticket.customer.tier, now=now)
           for row in rows if technician_miss(row, skill=skill, product_category=product_category) is None]
    out.sort(key=lambda c: (-c.score, c.technician_id))
    return out[:limit]


# The criteria, in the order they are checked: a technician is counted under the first one failed.
ELIMINATION_LABELS = {
    "other_center": gettext_lazy("不属于工单的服务网点"),
    Miss.CLOSED: gettext_lazy("所属网点已停业"),
    Miss.PRODUCT: gettext_lazy("所属网点不服务该品类"),
    Miss.MODE: gettext_lazy("所属网点不提供该服务方式"),
    Miss.AREA: gettext_lazy("所属网点不覆盖该地区"),
    Miss.TOO_FAR: gettext_lazy("所属网点距离太远（超出服务半径）"),
    "tried": gettext_lazy("已拒单或已被改派"),
    "off_duty": gettext_lazy("不在岗"),
    "skill": gettext_lazy("缺少所需技能"),
    "product": gettext_lazy("不擅长该品类"),
    "capacity": gettext_lazy("已达同时处理上限"),
}
ELIMINATION_NAMES_SHOWN = 10


@dataclass
class Elimination:
    criterion: str
    label: str
    count: int
    names: list[str]  # at most ELIMINATION_NAMES_SHOWN

    @property
    def more(self) -> int:
        return self.count - len(self.names)


def dispatch_eliminations(*, ticket: Ticket, exclude_ids: Iterable[int] = ()) -> list[Elimination]:
    """Why technicians cannot take the ticket: for each criterion (centre, area, distance, duty,
    skill, product line, capacity) how many technicians it eliminated, and who (the first few by
    name). Two queries: centres and technicians with their load."""
    category = ticket.fault_category
    skill = category.required_skill if category else ""
    product_category = _product_category(ticket)
    center_miss_by_id = center_misses(ticket=ticket)
    excluded = set(exclude_ids)
    found: dict[str, list[str]] = {key: [] for key in ELIMINATION_LABELS}
    rows = technicians_with_load().order_by("name", "pk").values(
        "pk", "name", "center_id", "on_duty", "skills", "product_categories", "capacity", "open_load")
    for row in rows:
        if (miss := center_miss_by_id.get(row["center_id"])) is not None:
            found[miss].append(row["name"])
        elif row["pk"] in excluded:
            found["tried"].append(row["name"])
        elif (miss := technician_miss(row, skill=skill, product_category=product_category)) is not None:
            found[miss].append(row["name"])
    return [Elimination(key, str(ELIMINATION_LABELS[key]), len(names), names[:ELIMINATION_NAMES_SHOWN])
            for key, names in found.items() if names]


def center_misses(*, ticket: Ticket) -> dict[int, str | None]:
    """``{center_id: why its technicians may not take the ticket, or None}`` for every centre (one
    query): only the centre triage chose when there is one, else the centres serving the place."""
    codes, lat, lon = ticket_place(ticket)
    product_category = _product_category(ticket)
    mode = ticket.service_mode if ticket.service_mode in ("on_site", "walk_in") else ""
    out: dict[int, str | None] = {}
    for center in ServiceCenter.objects.all():
        if ticket.service_center_id and center.pk != ticket.service_center_id:
            out[center.pk] = "other_center"
        elif ticket.service_center_id:
            out[center.pk] = Miss.CLOSED if not center.is_active else None
        else:
            out[center.pk] = center_miss(center, codes=codes, latitude=lat, longitude=lon,
                                         product_category=product_category, service_mode=mode)[0]
    return out


def eliminations_summary(eliminations: list[Elimination]) -> str:
    """One line for the timeline and the managers' alert, e.g. "不在岗 2 人；缺少所需技能 1 人"."""
    if not eliminations:
        return _("没有可派的工程师（网点无工程师）")
    return "；".join(_("%(label)s %(count)d 人") % {"label": e.label, "count": e.count} for e in eliminations)


def candidate_score(row: dict, *, skill: str, t_lat, t_lon, vip: bool, tier: str,
                    now: dt.datetime) -> Candidate:
    """The score of one technician row (``CANDIDATE_FIELDS``) for a ticket at ``(t_lat, t_lon)``, with
    the breakdown kept on the assignment. The one scoring rule: auto-dispatch ranks with it and the
    dispatch screen shows it. An unknown distance (no point for the ticket, or neither a fresh
    location nor centre coordinates for the technician) gets the factor's neutral half and says which
    side is unknown."""
    fresh = row["last_seen_at"] is not None and now - row["last_seen_at"] <= FRESH_LOCATION \
        and row["last_latitude"] is not None
    src_lat, src_lon = ((row["last_latitude"], row["last_longitude"]) if fresh
                        else (row["center__latitude"], row["center__longitude"]))
    km = distance_km(t_lat, t_lon, src_lat, src_lon)
    if km is not None:
        scale = max(DISTANCE_SCALE_KM, float(row["center__service_radius_km"] or 0))
        distance_share = max(0.0, 1.0 - km / scale)
        unknown = ""
    else:
        distance_share = 0.5
        unknown = "ticket" if t_lat is None or t_lon is None else "technician"
    load_share = max(0.0, 1.0 - row["open_load"] / max(row["capacity"], 1))
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
                     "from": "last_location" if fresh else "center", "points": points["distance"],
                     **({"unknown": unknown} if unknown else {})},
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


DISTANCE_UNKNOWN = {
    "ticket": gettext_lazy("工单地址没有坐标，所在区划也无中心点"),
    "technician": gettext_lazy("工程师 12 小时内无定位，所属网点也未登记坐标"),
}


def distance_text(distance: dict) -> str:
    """"4.2 公里（按最近定位）", or "位置未知：<why>"; never a bare question mark."""
    km = distance.get("km")
    if km is None:
        why = DISTANCE_UNKNOWN.get(distance.get("unknown", ""), DISTANCE_UNKNOWN["ticket"])
        return _("位置未知：%(why)s") % {"why": why}
    source = _("按最近定位") if distance.get("from") == "last_location" else _("按网点位置")
    return _("%(km)s 公里（%(source)s）") % {"km": km, "source": source}


def score_reasons(breakdown: dict) -> list[str]:
    """Each scoring factor of a breakdown in words with the points it earned, in weight order."""
    if not breakdown or "total" not in breakdown:
        return []
    d, load, skill = breakdown.get("distance", {}), breakdown.get("load", {}), breakdown.get("skill", {})
    rating, tier = breakdown.get("rating", {}), breakdown.get("tier", {})
    weights = breakdown.get("weights", WEIGHTS)
    level = skill.get("level")
    level_label = Technician.Level(level).label if level in Technician.Level.values else level
    return [
        _("距离 %(what)s：%(points)s/%(max)s 分") % {
            "what": distance_text(d), "points": d.get("points"), "max": weights["distance"]},
        _("负载 %(open)s/%(cap)s：%(points)s/%(max)s 分") % {
            "open": load.get("open"), "cap": load.get("capacity"), "points": load.get("points"),
            "max": weights["load"]},
        _("等级 %(level)s：%(points)s/%(max)s 分") % {
            "level": level_label, "points": skill.get("points"), "max": weights["skill"]},
        _("满意度 %(rating)s：%(points)s/%(max)s 分") % {
            "rating": rating.get("rating"), "points": rating.get("points"), "max": weights["rating"]},
        (_("VIP 客户，资深好评者加分：%(points)s/%(max)s 分") if tier.get("vip")
         else _("普通客户，人人同分：%(points)s/%(max)s 分")) % {"points": tier.get("points"), "max": weights["tier"]},
    ]


def assignment_explain(breakdown: dict) -> str:
    """One line for the dispatcher: why this technician."""
    if not breakdown:
        return ""
    d = breakdown.get("distance", {})
    km = d.get("km")
    load = breakdown.get("load", {})
    parts = [
        _("距离 %(km)s 公里") % {"km": km} if km is not None else _("位置未知"),
        _("负载 %(open)s/%(cap)s") % {"open": load.get("open"), "cap": load.get("capacity")},
        _("等级 %(level)s") % {"level": breakdown.get("skill", {}).get("level")},
        _("评分 %(rating)s") % {"rating": breakdown.get("rating", {}).get("rating")},
    ]
    if breakdown.get("tier", {}).get("vip"):
        parts.append(_("VIP 优先"))
    text = _("%(total)s 分：") % {"total": breakdown.get("total")} + "，".join(parts)
    if breakdown.get("override"):
        text = _("候选名单外改派（%(miss)s）：%(reason)s；") % {
            "miss": breakdown.get("miss_label", ""), "reason": breakdown.get("reason", "")} + text
    return text
