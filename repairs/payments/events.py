"""Event kinds written by payments and refunds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    register("payment.received", _("已收款"), customer_visible=True)
    register("payment.mismatch", _("支付通知金额不符"), customer_visible=False)
    register("payment.duplicate", _("重复支付，自动退款"), customer_visible=False)
    register("payment.deferred", _("暂缓收款（月结/挂账）"), customer_visible=False)
    register("payment.refunded", _("已退款"), customer_visible=True)
    register("payment.refund_failed", _("退款失败"), customer_visible=False)
