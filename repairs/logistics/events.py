"""Event kinds of mail-in shipments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    register("shipment.booked", _("已预约快递上门取件"), customer_visible=True)
    register("shipment.tracking", _("物流动态"), customer_visible=True)
    register("shipment.received", _("服务中心已签收设备"), customer_visible=True)
    register("shipment.return_booked", _("设备已寄回"), customer_visible=True)
    register("shipment.return_choice", _("取回方式"), customer_visible=True)
