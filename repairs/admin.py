"""Admin of the field force and workshop."""

from __future__ import annotations

import repairs.dispatch.admin  # noqa: F401  (dispatcher queue, owned by the dispatch feature)
