"""Typed domain errors of the workshop (translated once by the API handler and the admin)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.exceptions import DomainError, InvalidTransition, ValidationFailed


class RepairInvalidTransition(InvalidTransition):
    code = "repair_invalid_transition"
    default_message = _("维修单当前状态下不允许此操作。")


class QuoteLocked(DomainError):
    code = "quote_locked"
    default_message = _("已确认的报价不能修改，请新建报价版本并重新请客户确认。")
    status_code = 409


class ApprovalRequired(DomainError):
    code = "approval_required"
    default_message = _("该项目不在客户已确认的报价中，需要客户重新确认。")
    status_code = 409


class EvidenceRequired(ValidationFailed):
    code = "evidence_required"
    default_message = _("三包排除事由必须附证据（照片或检测报告）。")


class QCGateFailed(ValidationFailed):
    code = "qc_gate_failed"
    default_message = _("不满足质检通过条件。")
