"""The analytics rollups, defined in ``tickets.analytics.models`` and collected here under the hub's label."""

from tickets.analytics.models import (  # noqa: F401
    CentreDailyRollup,
    CentreMonthlyRollup,
    FaultMonthlyRollup,
    FaultSpikeAlert,
    PartDailyRollup,
    RollupState,
    TechnicianDailyRollup,
    TicketDailyRollup,
)
