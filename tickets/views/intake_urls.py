"""/submit/ and other intake pages (filled by the intake feature)."""

from __future__ import annotations

urlpatterns: list = []
