"""DRF throttles that fail open: a broken cache must not turn every API call into a 500.

Throttling protects capacity; when its counters cannot be read the request is let through and the
failure is logged, so technicians keep working while the cache is repaired.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import throttling

from config.cache import window_count

logger = logging.getLogger("config.throttling")


class FailOpenMixin:
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:
            logger.warning("throttle %s could not reach its cache; request allowed", type(self).__name__,
                           exc_info=True)
            return True


class WindowCounterMixin:
    """Count requests per fixed window (a minute for "600/min") with one atomic increment.

    DRF's own throttles keep the time of every request of the last period in one cached list, read
    and written whole on each request: a technician's app at 600 a minute moved a list of 600 times
    twice per call, and two requests at once could both read it before either wrote it back. A
    window counter costs one Redis round trip and counts concurrent requests exactly; a client may
    spend one window's budget at its end and the next at its start, which a rate limit of this kind
    accepts.
    """

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:  # type: ignore[attr-defined]
            return True
        self.key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if self.key is None:
            return True
        duration = int(self.duration)  # type: ignore[attr-defined]
        self.now = self.timer()  # type: ignore[attr-defined]
        window = int(self.now // duration)
        self.window_ends = (window + 1) * duration
        count = window_count(self.cache, f"{self.key}:{window}", duration + 1)  # type: ignore[attr-defined]
        return count <= self.num_requests  # type: ignore[attr-defined]

    def wait(self) -> float:
        return max(1.0, self.window_ends - self.now)


class UserRateThrottle(FailOpenMixin, WindowCounterMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(FailOpenMixin, WindowCounterMixin, throttling.AnonRateThrottle):
    pass


class SimpleRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    pass
