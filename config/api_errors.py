"""The one DRF exception handler: every error becomes {"code", "message", "extra"} (STYLE R13)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.exceptions import DomainError


def _flatten(detail):
    if isinstance(detail, list):
        return [str(d) for d in detail]
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            {"code": exc.code, "message": str(exc.message), "extra": exc.extra}, status=exc.status_code
        )
    if isinstance(exc, ConcurrentTransition):
        return Response(
            {"code": "conflict", "message": _("该记录已被他人修改，请刷新后重试。"), "extra": {}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            {"code": "invalid_transition", "message": _("当前状态下不允许此操作。"), "extra": {}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        extra = {"fields": _flatten(exc.message_dict)} if hasattr(exc, "error_dict") else {}
        message = "; ".join(str(m) for m in exc.messages)
        return Response({"code": "invalid", "message": message, "extra": extra}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "message": _("输入有误，请检查后重试。"),
                         "extra": {"fields": _flatten(exc.detail)}}
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        extra = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            extra["retry_after"] = int(exc.wait)
        response.data = {"code": code, "message": str(detail), "extra": extra}
    return response
