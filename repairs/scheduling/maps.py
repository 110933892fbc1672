"""Travel times between places, behind one map-provider interface.

``MAP_PROVIDER`` chooses the backend: ``local`` (development, tests and the fallback: the one
great-circle helper ``tickets.geo`` × a road factor at a city driving speed), or ``amap`` (高德
距离测量), ``baidu`` (百度 批量算路 routematrix) or ``tencent`` (腾讯 批量距离计算 matrix), each
shaped on its provider's web-service API and needing only its key. A provider that fails falls back
to the local estimate for that request, so a route is always planned.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings

from tickets.geo import distance_km

logger = logging.getLogger("repairs.scheduling.maps")

#: Roads are longer than the straight line; ~1.3–1.4 in Chinese cities.
ROAD_FACTOR = float(getattr(settings, "MAP_ROAD_FACTOR", 1.35))
#: Average urban driving speed incl. parking, km/h.
CITY_SPEED_KMH = float(getattr(settings, "MAP_CITY_SPEED_KMH", 25))


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Leg:
    minutes: float
    km: float


Matrix = list[list[Leg]]


class MapProvider(Protocol):
    name: str

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix: ...


class LocalProvider:
    """Distance from ``tickets.geo`` × ``ROAD_FACTOR`` at ``CITY_SPEED_KMH``."""

    name = "local"

    def __init__(self, *, road_factor: float = ROAD_FACTOR, speed_kmh: float = CITY_SPEED_KMH):
        self.road_factor, self.speed_kmh = road_factor, speed_kmh

    def leg(self, a: Point, b: Point) -> Leg:
        km = (distance_km(a.latitude, a.longitude, b.latitude, b.longitude) or 0.0) * self.road_factor
        return Leg(minutes=km / self.speed_kmh * 60, km=km)

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix:
        return [[self.leg(a, b) for b in destinations] for a in origins]


Transport = Callable[[str], dict]


def _http_get(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url, timeout=8) as response:  # noqa: S310 - fixed https endpoints
        return json.loads(response.read().decode())


class ProviderError(Exception):
    pass


class _WebProvider:
    name = ""
    base = ""

    def __init__(self, *, key: str, transport: Transport | None = None, base: str | None = None):
        self.key = key
        self.transport = transport or _http_get
        self.base = base or self.base

    def _get(self, path: str, params: dict[str, str]) -> dict:
        try:
            return self.transport(f"{self.base}{path}?{urlencode(params)}")
        except OSError as exc:
            raise ProviderError(str(exc)) from exc


class AMapProvider(_WebProvider):
    """高德 ``/v3/distance``: many origins to one destination per call, ``lng,lat`` pairs joined by
    ``|``; ``results[i].distance`` in metres and ``duration`` in seconds (strings)."""

    name = "amap"
    base = "https://restapi.amap.com"

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix:
        out: Matrix = [[Leg(0, 0)] * len(destinations) for _ in origins]
        joined = "|".join(f"{p.longitude:.6f},{p.latitude:.6f}" for p in origins)
        for j, dest in enumerate(destinations):
            answer = self._get("/v3/distance", {"key": self.key, "origins": joined, "type": "1",
                                                "destination": f"{dest.longitude:.6f},{dest.latitude:.6f}"})
            if str(answer.get("status")) != "1":
                raise ProviderError(f"amap: {answer.get('info')}")
            for row in answer.get("results", []):
                i = int(row["origin_id"]) - 1
                out[i][j] = Leg(minutes=float(row["duration"]) / 60, km=float(row["distance"]) / 1000)
        return out


class BaiduProvider(_WebProvider):
    """百度 ``/routematrix/v2/driving``: ``lat,lng`` pairs joined by ``|``; ``result`` is row-major with
    ``distance.value`` (m) and ``duration.value`` (s)."""

    name = "baidu"
    base = "https://api.map.baidu.com"

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix:
        answer = self._get("/routematrix/v2/driving", {
            "ak": self.key, "coord_type": "gcj02",
            "origins": "|".join(f"{p.latitude:.6f},{p.longitude:.6f}" for p in origins),
            "destinations": "|".join(f"{p.latitude:.6f},{p.longitude:.6f}" for p in destinations)})
        if answer.get("status") != 0:
            raise ProviderError(f"baidu: {answer.get('message')}")
        cells, n = answer["result"], len(destinations)
        return [[Leg(minutes=cells[i * n + j]["duration"]["value"] / 60, km=cells[i * n + j]["distance"]["value"] / 1000)
                 for j in range(n)] for i in range(len(origins))]


class TencentProvider(_WebProvider):
    """腾讯 ``/ws/distance/v1/matrix``: ``lat,lng`` pairs joined by ``;``; ``result.rows[i].elements[j]``
    with ``distance`` (m) and ``duration`` (s)."""

    name = "tencent"
    base = "https://apis.map.qq.com"

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix:
        answer = self._get("/ws/distance/v1/matrix", {
            "key": self.key, "mode": "driving",
            "from": ";".join(f"{p.latitude:.6f},{p.longitude:.6f}" for p in origins),
            "to": ";".join(f"{p.latitude:.6f},{p.longitude:.6f}" for p in destinations)})
        if answer.get("status") != 0:
            raise ProviderError(f"tencent: {answer.get('message')}")
        return [[Leg(minutes=e["duration"] / 60, km=e["distance"] / 1000) for e in row["elements"]]
                for row in answer["result"]["rows"]]


class FallbackProvider:
    """The configured provider, or the local estimate when it fails (logged once per request)."""

    def __init__(self, primary: MapProvider, local: LocalProvider | None = None):
        self.primary, self.local = primary, local or LocalProvider()
        self.name = primary.name
        self.used = primary.name

    def matrix(self, origins: list[Point], destinations: list[Point]) -> Matrix:
        try:
            self.used = self.primary.name
            return self.primary.matrix(origins, destinations)
        except (ProviderError, KeyError, ValueError, TypeError, IndexError) as exc:
            logger.warning("map provider %s failed, local estimate used: %s", self.primary.name, exc)
            self.used = self.local.name
            return self.local.matrix(origins, destinations)


PROVIDERS: dict[str, type[_WebProvider]] = {"amap": AMapProvider, "baidu": BaiduProvider, "tencent": TencentProvider}


def get_provider() -> MapProvider:
    name = getattr(settings, "MAP_PROVIDER", "local")
    if name in PROVIDERS:
        return FallbackProvider(PROVIDERS[name](key=getattr(settings, "MAP_PROVIDER_KEY", "")))
    return LocalProvider()


def eta_minutes(a: Point, b: Point, provider: MapProvider | None = None) -> int:
    """Whole minutes from ``a`` to ``b`` (at least one)."""
    leg = (provider or get_provider()).matrix([a], [b])[0][0]
    return max(1, math.ceil(leg.minutes))
