"""Typed errors of the parts app; all are ``tickets.exceptions.DomainError`` subclasses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.exceptions import ConflictError, DomainError, InvalidTransition, ValidationFailed


class InsufficientStock(ConflictError):
    code = "insufficient_stock"
    default_message = _("库存不足。")


class InvalidQuantity(ValidationFailed):
    code = "invalid_quantity"
    default_message = _("数量必须是正整数。")


class ReservationNotActive(InvalidTransition):
    code = "reservation_not_active"
    default_message = _("该预留已释放、已领用或已过期。")


class TransferNotAllowed(InvalidTransition):
    code = "transfer_not_allowed"
    default_message = _("当前状态下不允许此调拨操作。")


class SerialScanRejected(DomainError):
    """A QR scan that does not prove a genuine, unused unit for this job. ``reason`` says why."""

    code = "serial_scan_rejected"
    default_message = _("扫码校验未通过。")
    status_code = 422

    FORGED = "forged"
    UNKNOWN = "unknown_unit"
    REVOKED = "revoked_label"
    REUSED = "reused"
    WRONG_MODEL = "wrong_model"
    WRONG_LOCATION = "wrong_location"
    NOT_AVAILABLE = "not_available"

    def __init__(self, message=None, *, reason: str, extra: dict | None = None):
        self.reason = reason
        super().__init__(message, code=f"serial_{reason}", extra={"reason": reason, **(extra or {})})


class DefectiveReturnError(InvalidTransition):
    code = "defective_return_invalid"
    default_message = _("旧件回收状态不允许此操作。")


class ClaimNotAllowed(ValidationFailed):
    code = "supplier_claim_not_allowed"
    default_message = _("该旧件不能向供应商索赔。")
