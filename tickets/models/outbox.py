"""Models of the outbox feature (see tickets/models/__init__.py)."""

from __future__ import annotations

__all__: list[str] = []
