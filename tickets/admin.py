"""Admin of the hub. Feature packages register their own admins in their admin modules."""

from __future__ import annotations

import tickets.intake.admin  # noqa: F401
import tickets.outbox.admin  # noqa: F401
import tickets.sla.admin  # noqa: F401
