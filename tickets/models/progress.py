"""Models of the progress feature (see tickets/models/__init__.py)."""

from __future__ import annotations

__all__: list[str] = []
