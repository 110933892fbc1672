"""Event kinds written by spare-part services on a ticket's timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    register("part.reserved", _("已预留备件"), customer_visible=False)
    register("part.released", _("已释放备件预留"), customer_visible=False)
    register("part.fitted", _("已更换备件"), customer_visible=True)
    register("part.reservation_expired", _("备件预留超时释放"), customer_visible=False)
    register("part.defective_registered", _("旧件已登记回收"), customer_visible=False)
    register("part.transfer_requested", _("已申请调拨备件"), customer_visible=False)
    register("part.arrived", _("维修所需备件已到达"), customer_visible=True)
