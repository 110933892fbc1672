"""Role grants of collections and refunds (merged into tickets.roles by ``role_permissions``)."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    # only a centre manager may let a paid repair go before its money (月结/挂账 for a corporate account)
    "网点经理": {"payments": ["view_payment", "add_payment", "view_refund", "add_refund", "view_paymentdeferral",
                          "add_paymentdeferral"]},
    "客服": {"payments": ["view_payment", "view_refund", "view_paymentdeferral"]},
    # an on-site hand-back: the technician takes the fee in cash and records it on the phone
    "维修工程师": {"payments": ["view_payment", "add_payment"]},
    "运营": {"payments": ["view_payment", "view_refund", "view_paymentnotification", "view_paymentdeferral"]},
}
