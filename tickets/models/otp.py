"""One-time SMS codes: proof that the person on a customer link holds the ticket's phone."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["OneTimeCode"]


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS to the ticket's phone (or, before a report becomes a ticket, to the
    phone the reporter typed), stored only as a salted hash.

    It expires after a few minutes, allows a few wrong guesses, is verified once and used once (the
    action it proves is written in the same transaction that marks it used).
    """

    class Purpose(models.TextChoices):
        QUOTE_APPROVE = "quote_approve", _("确认报价")
        SURVEY_ANSWER = "survey_answer", _("提交评价")
        TRACK_LOOKUP = "track_lookup", _("查询维修进度")
        INTAKE_PHONE = "intake_phone", _("验证报修手机号")

    # Empty for a code proving a phone before any ticket exists (the repair form).
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="one_time_codes",
                               verbose_name=_("工单"), null=True, blank=True)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    phone = models.CharField(_("手机号"), max_length=20)
    code_hash = models.CharField(_("验证码摘要"), max_length=128)
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["ticket", "purpose", "created_at"], name="otp_ticket_purpose_idx"),
            models.Index(fields=["purpose", "created_at"], name="otp_purpose_idx"),
            models.Index(fields=["phone", "purpose", "created_at"], name="otp_phone_purpose_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.purpose}"
