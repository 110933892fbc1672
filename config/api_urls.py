"""API URL map: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from the sidecar, no CDN) and /api/v1/."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import permissions

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[permissions.AllowAny]), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[permissions.AllowAny]),
         name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[permissions.AllowAny]),
         name="api-redoc"),
    path("v1/", include(("repairs.api.urls", "api"), namespace="api")),
]
