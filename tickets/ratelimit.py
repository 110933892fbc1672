"""Fixed-window attempt counters for anonymous customer pages (the ticket lookup, the repair form).

Counts live in the default cache. With Redis configured that cache falls back to process memory
while Redis is unreachable (config/cache.py), so a limit keeps counting, per process, during an
outage instead of failing the page or letting everything through.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def rate_of(scope: str, default: str) -> tuple[int, int]:
    """(attempts, seconds) of a named rate of ``DEFAULT_THROTTLE_RATES``, e.g. "10/min"."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope) or default
    count, period = rate.split("/")
    return int(count), _PERIODS.get(period.strip().lower(), 60)


def hit(key: str, period: int) -> int:
    """Count one attempt under ``key``; returns the attempts in the current window."""
    cache.add(key, 0, timeout=period)  # fixed window starting with the first attempt
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def submit_attempt_allowed(*, ip: str) -> bool:
    """Count one repair-form submission from ``ip``; False once past the "submit" rate."""
    limit, period = rate_of("submit", "20/hour")
    return hit(f"submit:ip:{ip or 'unknown'}", period) <= limit


def code_send_allowed(*, ip: str) -> bool:
    """Count one request for an SMS code from ``ip`` (the repair form's phone check); False once past
    the "code" rate. Each phone has its own caps in ``tickets.otp``; this one stops a script cycling
    through many phones from one address."""
    limit, period = rate_of("code", "10/hour")
    return hit(f"code:ip:{ip or 'unknown'}", period) <= limit
