"""Views that fail on purpose, to render the error pages through Django's real handlers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path


def _boom(request):
    raise RuntimeError("REDIS_URL=redis://secret-host:6379/0 exploded")


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("tampered")


urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("bad/", _bad),
    path("", include("config.urls")),
]
