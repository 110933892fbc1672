"""The client's address, believing X-Forwarded-For only as far as our own proxies reach.

Whoever sends a request can write any X-Forwarded-For; only the entries appended by the NUM_PROXIES
reverse proxies in front of Django are true. Login lockouts (django-axes) use this function; DRF's
throttles apply the same rule through their own NUM_PROXIES setting.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
