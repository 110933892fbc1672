"""Cache-based attempt counters for the ticket lookup, per client IP and per ticket number, so that
ticket numbers cannot be enumerated and one ticket cannot be brute-forced from many addresses."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def track_rate() -> tuple[int, int]:
    """(attempts, seconds) from the shared "track" throttle rate, e.g. "10/min"."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get("track") or "10/min"
    count, period = rate.split("/")
    return int(count), _PERIODS.get(period.strip().lower(), 60)


def _hit(key: str, period: int) -> int:
    cache.add(key, 0, timeout=period)  # fixed window starting with the first attempt
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def track_attempt_allowed(*, ip: str, number: str) -> bool:
    """Count one lookup attempt for the IP and for the (normalized) ticket number; False once
    either is past the rate. Unknown numbers are counted exactly like real ones (no oracle)."""
    limit, period = track_rate()
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    by_ip = _hit(f"track:ip:{ip or 'unknown'}", period)
    by_ticket = _hit(f"track:no:{digest}", period)
    return by_ip <= limit and by_ticket <= limit
