"""Typed errors of payments (a subclass of the hub's DomainError, translated once by every interface)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.exceptions import DomainError


class GatewayError(DomainError):
    code = "payment_gateway_error"
    default_message = _("支付平台暂时无法处理，请稍后重试。")
    status_code = 502


class SignatureInvalid(DomainError):
    code = "payment_signature_invalid"
    default_message = _("支付通知签名无效。")
    status_code = 400


class AlreadyPaid(DomainError):
    code = "payment_already_paid"
    default_message = _("该维修费用已支付，无需重复付款。")
    status_code = 409


class NothingToPay(DomainError):
    code = "payment_nothing_due"
    default_message = _("当前没有需要支付的费用。")
    status_code = 409
