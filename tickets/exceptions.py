"""Typed domain errors. Services raise these; the API handler and HTML views translate them once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every business-rule error. ``code`` is stable, ``message`` is localized."""

    code = "domain_error"
    default_message = _("操作无法完成。")
    status_code = 400

    def __init__(self, message: Any = None, *, code: str | None = None, extra: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    default_message = _("您没有执行此操作的权限。")
    status_code = 403


class NotFoundError(DomainError):
    code = "not_found"
    default_message = _("未找到该对象。")
    status_code = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_message = _("当前状态下不允许此操作。")
    status_code = 409


class ConflictError(DomainError):
    code = "conflict"
    default_message = _("该记录已被他人修改，请刷新后重试。")
    status_code = 409


class ValidationFailed(DomainError):
    code = "invalid"
    default_message = _("输入有误。")
    status_code = 400
