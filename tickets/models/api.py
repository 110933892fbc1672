"""Models of the api feature (see tickets/models/__init__.py).

``IdempotencyRecord`` makes every POST of the technicians' API safe to retry on a bad network: the
first response to an ``Idempotency-Key`` is stored in the same transaction as the change it
describes, so a replay (even after a crash or restart) returns it and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The stored first response to one ``Idempotency-Key`` of one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("用户"))
    key = models.CharField(_("幂等键"), max_length=100)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=300)
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态码"))
    response_body = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]
        indexes = [
            models.Index(fields=["key"], name="idempotency_key_idx"),
            models.Index(fields=["method"], name="idempotency_method_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.status_code}"


__all__ = ["IdempotencyRecord"]
