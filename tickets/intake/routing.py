"""Routing of a classified ticket: department and service mode from the category, service center by
the customer's city/district and haversine distance.

Service centers belong to ``repairs``; the model is looked up through the app registry (like the
lazy foreign key on Ticket), so the hub imports no other app.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps

from tickets.models import FaultCategory, ServiceMode, Ticket

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _city(value: str) -> str:
    value = (value or "").strip()
    return value[:-1] if len(value) > 2 and value.endswith("市") else value


@dataclass
class Route:
    department: str
    service_mode: str
    service_center: Any | None
    distance_km: float | None
    reason: str

    def as_updates(self) -> dict[str, Any]:
        return {"department": self.department, "service_mode": self.service_mode,
                "service_center": self.service_center}


def _centers(product_category: str | None) -> list[Any]:
    ServiceCenter = apps.get_model("repairs", "ServiceCenter")
    centers = list(ServiceCenter.objects.filter(is_active=True).order_by("code"))
    if product_category:
        centers = [c for c in centers if not c.product_categories or product_category in c.product_categories]
    return centers


def _distance(center: Any, lat: Decimal | None, lon: Decimal | None) -> float | None:
    if lat is None or lon is None or center.latitude is None or center.longitude is None:
        return None
    return haversine_km(float(lat), float(lon), float(center.latitude), float(center.longitude))


def _serves_area(center: Any, city: str, district: str) -> bool:
    if not city:
        return False
    cities = {_city(c) for c in (center.service_cities or [])} | {_city(center.city)}
    return _city(city) in cities


def route_ticket(*, ticket: Ticket, category: FaultCategory) -> Route:
    """Choose department, service mode and service center for ``ticket`` classified as ``category``.

    - remote support needs no center;
    - on-site goes to the nearest center that serves the customer's city and offers on-site
      service, within its service radius when both positions are known;
    - walk-in goes to the nearest center in the customer's city (same district first when no
      position is known); without one in the city the ticket becomes a mail-in;
    - mail-in goes to the nearest center accepting mail-in repairs (anywhere).
    """
    product_category = ticket.product_model.category if ticket.product_model_id else None
    mode = ticket.service_mode or category.default_service_mode or ServiceMode.WALK_IN
    if mode == ServiceMode.REMOTE:
        return Route(category.department, mode, None, None, "remote")
    lat = ticket.latitude if ticket.latitude is not None else ticket.customer.latitude
    lon = ticket.longitude if ticket.longitude is not None else ticket.customer.longitude
    city = ticket.city or ticket.customer.city
    district = ticket.district or ticket.customer.district
    centers = _centers(product_category)

    def nearest(candidates: list[Any]) -> tuple[Any | None, float | None]:
        if not candidates:
            return None, None
        scored = [(c, _distance(c, lat, lon)) for c in candidates]
        scored.sort(key=lambda cd: (cd[1] is None, cd[1] if cd[1] is not None else 0.0,
                                    0 if district and cd[0].district == district else 1, cd[0].code))
        return scored[0]

    if mode == ServiceMode.ON_SITE:
        area = [c for c in centers if ServiceMode.ON_SITE in (c.service_modes or []) and _serves_area(c, city, district)]
        in_radius = [c for c in area if (d := _distance(c, lat, lon)) is None or d <= c.service_radius_km]
        center, dist = nearest(in_radius)
        if center is not None:
            return Route(category.department, mode, center, dist, "on_site")
        mode = ServiceMode.WALK_IN if product_category not in ("fridge", "washer", "air_conditioner", "tv") else mode
        if mode == ServiceMode.ON_SITE:
            center, dist = nearest(area)
            return Route(category.department, mode, center, dist, "on_site_outside_radius" if center else "no_center")
    if mode == ServiceMode.WALK_IN:
        local = [c for c in centers if ServiceMode.WALK_IN in (c.service_modes or []) and _city(c.city) == _city(city)]
        center, dist = nearest(local)
        if center is not None:
            return Route(category.department, mode, center, dist, "walk_in")
        mode = ServiceMode.MAIL_IN
    mail = [c for c in centers if ServiceMode.MAIL_IN in (c.service_modes or [])]
    center, dist = nearest(mail)
    return Route(category.department, mode, center, dist, "mail_in" if center else "no_center")
