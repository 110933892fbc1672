"""The one DRF exception handler: every error becomes {"code", "message", "extra"}.

Messages are localized by the request's language (``LocaleMiddleware`` reads Accept-Language;
zh-hans is the default): DRF's own messages come with its translations, ours are gettext strings.
A view may describe the current state of the object it works on (``get_conflict_state``); a 409
then carries it in ``extra.current`` so an offline client can reconcile without another request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.exceptions import DomainError

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response of the API (documented once, used by every endpoint)."""

    code = serializers.CharField(help_text="Stable machine-readable error code, e.g. not_found, invalid.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    extra = serializers.DictField(
        help_text="Details: fields (validation errors per field), retry_after (seconds, when throttled), "
        "state / current (the object's current state, on 409) …",
    )


def _flatten(detail: Any) -> Any:
    if isinstance(detail, list | tuple):
        return [_flatten(d) for d in detail]
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    return str(detail)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def error_body(code: str, message: Any, extra: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "extra": _jsonable(extra or {})}


def _with_conflict_state(extra: dict, context: dict) -> dict:
    view = context.get("view")
    getter = getattr(view, "get_conflict_state", None)
    if getter is None:
        return extra
    try:
        current = getter()
    except Exception:  # the state is a courtesy: it must never hide the conflict itself
        logger.exception("could not describe the current state for a 409")
        return extra
    if current is not None:
        extra = {**extra, "current": current}
    return extra


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        extra = dict(exc.extra or {})
        if exc.status_code == status.HTTP_409_CONFLICT:
            extra = _with_conflict_state(extra, context)
        return Response(error_body(exc.code, exc.message, extra), status=exc.status_code)
    if isinstance(exc, ConcurrentTransition):
        extra = _with_conflict_state({}, context)
        return Response(error_body("conflict", _("该记录已被他人修改，请刷新后重试。"), extra),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TransitionNotAllowed):
        extra = _with_conflict_state({}, context)
        return Response(error_body("invalid_transition", _("当前状态下不允许此操作。"), extra),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        extra = {"fields": _flatten(exc.message_dict)} if hasattr(exc, "error_dict") else {}
        message = "; ".join(str(m) for m in exc.messages) or _("输入有误，请检查后重试。")
        return Response(error_body("invalid", message, extra), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # An unexpected error: log it with its traceback, answer in the same shape, leak nothing.
        logger.exception("unhandled API error", exc_info=exc)
        return Response(error_body("server_error", _("服务器内部错误，请稍后重试。")),
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("输入有误，请检查后重试。"), {"fields": _flatten(exc.detail)})
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", str(exc))
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
        detail = _("请求过于频繁，请 %(seconds)d 秒后重试。") % {"seconds": int(exc.wait or 1)}
        extra["retry_after"] = max(1, int(exc.wait or 1))
        response["Retry-After"] = str(extra["retry_after"])
    response.data = error_body(code, detail, extra)
    return response
