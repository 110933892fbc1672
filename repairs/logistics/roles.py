"""Role grants of mail-in shipments (merged into tickets.roles by ``role_permissions``)."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "网点经理": {"logistics": ["view_shipment", "add_shipment", "change_shipment", "view_trackingevent"]},
    "客服": {"logistics": ["view_shipment", "view_trackingevent"]},
    "仓管": {"logistics": ["view_shipment", "change_shipment", "view_trackingevent"]},
    "运营": {"logistics": ["view_shipment", "view_trackingevent"]},
}
