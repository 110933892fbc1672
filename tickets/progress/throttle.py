"""Cache-based attempt counters for the ticket lookup, per client IP and per ticket number, so that
ticket numbers cannot be enumerated and one ticket cannot be brute-forced from many addresses."""

from __future__ import annotations

import hashlib

from ..ratelimit import hit as _hit
from ..ratelimit import rate_of


def track_rate() -> tuple[int, int]:
    """(attempts, seconds) from the shared "track" throttle rate, e.g. "10/min"."""
    return rate_of("track", "10/min")


def track_attempt_allowed(*, ip: str, number: str) -> bool:
    """Count one lookup attempt for the IP and for the (normalized) ticket number; False once
    either is past the rate. Unknown numbers are counted exactly like real ones (no oracle)."""
    limit, period = track_rate()
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    by_ip = _hit(f"track:ip:{ip or 'unknown'}", period)
    by_ticket = _hit(f"track:no:{digest}", period)
    return by_ip <= limit and by_ticket <= limit
