"""API URL map: /api/schema/, /api/docs/ and /api/v1/ (each app adds its api_urls module here)."""

from __future__ import annotations

urlpatterns: list = []
