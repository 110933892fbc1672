"""/track/ and /t/<token>/ customer progress pages (filled by the customer-side feature)."""

from __future__ import annotations

urlpatterns: list = []
