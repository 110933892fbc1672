"""Models of the dispatch feature (see tickets/models/__init__.py)."""

from __future__ import annotations

__all__: list[str] = []
