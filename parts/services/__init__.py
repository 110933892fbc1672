"""Write services of the parts app. Import from here: ``parts.services.reservation_create``."""

from __future__ import annotations

from .catalog import part_save
from .defective import (
    defective_return_create,
    defective_return_receive,
    defective_return_scrap,
    defective_return_ship,
    defective_store_for,
    supplier_claim_create,
    supplier_claim_decide,
)
from .replenishment import (
    demand_forecast_refresh,
    demand_forecasts_refresh_all,
    low_stock_alerts_acknowledge,
    stock_low_alerts_run,
)
from .reservations import (
    reservation_consume,
    reservation_create,
    reservation_expire,
    reservation_release,
    reservations_expire_due,
)
from .serials import serial_unit_label_reissue, serial_unit_scan, serial_units_receive
from .stock import (
    stock_adjust,
    stock_apply,
    stock_level_get_or_create,
    stock_receive,
    stock_reorder_point_set,
    stock_scrap,
    stock_set,
)
from .transfers import (
    transfer_approve,
    transfer_cancel,
    transfer_emergency_create,
    transfer_receive,
    transfer_request,
    transfer_ship,
)

__all__ = [
    "part_save", "defective_return_create", "defective_return_receive", "defective_return_scrap", "defective_return_ship",
    "defective_store_for", "demand_forecast_refresh", "demand_forecasts_refresh_all", "low_stock_alerts_acknowledge", "reservation_consume",
    "reservation_create", "reservation_expire", "reservation_release", "reservations_expire_due",
    "serial_unit_label_reissue", "serial_unit_scan", "serial_units_receive", "stock_adjust", "stock_apply",
    "stock_level_get_or_create", "stock_low_alerts_run", "stock_receive", "stock_reorder_point_set", "stock_scrap",
    "stock_set", "supplier_claim_create", "supplier_claim_decide", "transfer_approve", "transfer_cancel",
    "transfer_emergency_create", "transfer_receive", "transfer_request", "transfer_ship",
]
