"""Event kinds of appointments, the day's route and the way to the customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    register("appointment.booked", _("已预约上门时间"), customer_visible=True)
    register("appointment.cancelled", _("上门预约已取消"), customer_visible=True)
    register("appointment.reminder", _("上门提醒"), customer_visible=True)
    register("visit.arrived_nearby", _("工程师已到达附近"), customer_visible=False)
    register("privacy.bound", _("已绑定隐私号"), customer_visible=False)
    register("privacy.released", _("已释放隐私号"), customer_visible=False)
