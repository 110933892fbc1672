"""Routing of a classified ticket: department and service mode from the category, service centre by
the one rule of which centres serve the ticket's place (division codes plus radius), owned by dispatch
and reached through ``tickets.coverage`` so the hub imports no other app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tickets.address import ticket_place
from tickets.coverage import centers_for_place
from tickets.models import FaultCategory, ServiceMode, Ticket

# Product lines too bulky to carry in: without an on-site centre nearby they stay on-site.
BULKY = ("fridge", "washer", "air_conditioner", "tv")


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


def route_ticket(*, ticket: Ticket, category: FaultCategory) -> Route:
    """Choose department, service mode and service centre for ``ticket`` classified as ``category``.

    - remote support needs no centre;
    - on-site goes to the nearest centre that serves the ticket's place (covers its province, city
      or district, or has it within its radius) and offers on-site service; without one, a bulky
      appliance stays on-site (a technician must travel) and anything else becomes walk-in;
    - walk-in goes to the nearest centre serving the place that takes walk-ins; without one the
      ticket becomes a mail-in;
    - mail-in goes to the nearest centre accepting mail-in repairs (anywhere).
    """
    product_category = ticket.product_model.category if ticket.product_model_id else ""
    mode = ticket.service_mode or category.default_service_mode or ServiceMode.WALK_IN
    if mode == ServiceMode.REMOTE:
        return Route(category.department, mode, None, None, "remote")
    codes, lat, lon = ticket_place(ticket)

    def best(service_mode: str, anywhere: bool = False) -> tuple[Any | None, float | None]:
        matches = centers_for_place(codes=codes, latitude=lat, longitude=lon, product_category=product_category,
                                    service_mode=service_mode, anywhere=anywhere)
        return (matches[0].center, matches[0].distance_km) if matches else (None, None)

    if mode == ServiceMode.ON_SITE:
        center, dist = best(ServiceMode.ON_SITE)
        if center is not None:
            return Route(category.department, mode, center, dist, "on_site")
        if product_category in BULKY:
            return Route(category.department, mode, None, None, "no_center")
        mode = ServiceMode.WALK_IN
    if mode == ServiceMode.WALK_IN:
        center, dist = best(ServiceMode.WALK_IN)
        if center is not None:
            return Route(category.department, mode, center, dist, "walk_in")
        mode = ServiceMode.MAIL_IN
    center, dist = best(ServiceMode.MAIL_IN, anywhere=True)
    return Route(category.department, mode, center, dist, "mail_in" if center else "no_center")
