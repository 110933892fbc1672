"""Distances on the earth's surface: the one helper every distance in the product goes through
(routing a ticket to a centre, scoring technicians, checking a technician in on site, finding the
nearest stock)."""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_KM = 6371.0088

Coordinate = float | Decimal | str | None


def distance_km(lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate) -> float | None:
    """Great-circle (haversine) distance in kilometres, or None when either point is unknown.

    Accepts floats, Decimals (model fields) or numeric strings, so callers never convert."""
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_m(lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate) -> int | None:
    """The same distance in whole metres (on-site check-in), or None when either point is unknown."""
    km = distance_km(lat1, lon1, lat2, lon2)
    return None if km is None else round(km * 1000)
