"""DRF throttles that fail open: a broken cache must not turn every API call into a 500.

Throttling protects capacity; when its counters cannot be read the request is let through and the
failure is logged, so technicians keep working while the cache is repaired.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import throttling

logger = logging.getLogger("config.throttling")


class FailOpenMixin:
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:
            logger.warning("throttle %s could not reach its cache; request allowed", type(self).__name__,
                           exc_info=True)
            return True


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class SimpleRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    pass
