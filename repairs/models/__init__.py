"""Models of the field force and the workshop (one module per area; import from ``repairs.models``)."""

from __future__ import annotations

# Scheduling keeps its models next to its services; they belong to this app.
from repairs.scheduling.models import (  # noqa: E402
    Appointment,
    AppointmentSlot,
    LocationPing,
    PrivacyBinding,
    RoutePlan,
    WindowCapacity,
)

from .branding import ReportBranding
from .core import QCQueueOrder, RepairOrder, ServiceCenter, Technician, _default_hours, _default_service_modes  # noqa: F401  (referenced by migration 0001)
from .pricing import LineKind, PriceListItem, Quote, QuoteLine
from .warranty import DepreciationRate, RepairRecord, WarrantyCard, WarrantyRuleSet
from .workshop import FittedPart, QCInspection, RepairStatusChange, RepairVisit

__all__ = [
    "Appointment", "AppointmentSlot", "DepreciationRate", "LocationPing", "PrivacyBinding", "RoutePlan",
    "WindowCapacity", "FittedPart", "LineKind", "QCQueueOrder", "PriceListItem", "QCInspection", "Quote", "QuoteLine", "RepairOrder",
    "RepairRecord", "RepairStatusChange", "ReportBranding", "RepairVisit", "ServiceCenter", "Technician", "WarrantyCard",
    "WarrantyRuleSet",
]
