"""Admin of this feature (imported by the app's admin module)."""

from __future__ import annotations
