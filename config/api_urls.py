"""API URL map: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from the sidecar, no CDN) and /api/v1/.

The schema describes the technicians' API under /api/v1/ (the integrations' intake API lives in its
own app with its own API-key auth and is not part of this document).
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import permissions

v1 = ("repairs.api.urls", "api")
schema_patterns = [path("api/v1/", include(v1, namespace="api-schema-v1"))]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(patterns=schema_patterns, permission_classes=[permissions.AllowAny]),
         name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[permissions.AllowAny]),
         name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[permissions.AllowAny]),
         name="api-redoc"),
    path("v1/", include(v1, namespace="api")),
]

