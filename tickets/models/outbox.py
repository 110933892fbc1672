"""Models of the outbox feature (see tickets/models/__init__.py): outbound messages, their templates,
and signed webhooks for integrations."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信模板消息")


class MessageTemplate(models.Model):
    """A per-event, per-channel, per-language template; overrides the code default of that event.

    Subject and body use Django template syntax with the context of ``outbox_enqueue``
    (``ticket``, ``customer``, ``event`` …)."""

    class Language(models.TextChoices):
        ZH = "zh-hans", _("简体中文")
        EN = "en", _("英文")

    event = models.CharField(_("事件"), max_length=60, help_text=_("如 ticket.assigned、sla.reminder"))
    channel = models.CharField(_("渠道"), max_length=10, choices=MessageChannel.choices)
    language = models.CharField(_("语言"), max_length=10, choices=Language.choices, default=Language.ZH)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["event", "channel", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "channel", "language"],
                                               name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_channel_display()} · {self.language}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    RETRY = "retry", _("待重试")
    FAILED = "failed", _("发送失败")
    # The worker stopped after handing the message to a channel that cannot be asked whether it
    # arrived: resending could reach the customer twice, so staff decide.
    UNKNOWN = "unknown", _("结果未知（未重发）")


class OutboxMessage(models.Model):
    """One message to one recipient on one channel, kept whatever happens to it.

    ``idempotency_key`` is unique (a message is never created twice) and is passed to gateways. A
    sender claims the row (status ``sending``) with a conditional UPDATE, commits
    ``handed_over_at`` just before calling the gateway and marks it ``sent`` after; a later sender
    that finds ``handed_over_at`` set asks the gateway by key instead of sending again.
    """

    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    # Looked up through ``outbox_event_idx`` (event, created_at); an index of its own (two, with the
    # pattern index Django adds) only cost every message written.
    event = models.CharField(_("事件"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=10, choices=MessageChannel.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="outbox_messages", verbose_name=_("工单"))
    ticket_event = models.ForeignKey("tickets.TicketEvent", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="outbox_messages", verbose_name=_("工单事件"))
    customer = models.ForeignKey("tickets.Customer", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="outbox_messages", verbose_name=_("客户"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="outbox_messages", verbose_name=_("员工"))
    to_address = models.CharField(_("收件地址"), max_length=200)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("交给网关时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("网关消息号"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    # The customer milestone this message announces (tickets.milestones); blank for other messages.
    milestone = models.CharField(_("客户节点"), max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_status_idx"),
            models.Index(fields=["milestone", "created_at"], name="outbox_milestone_idx"),
            models.Index(fields=["channel", "created_at"], name="outbox_channel_idx"),
            models.Index(fields=["event", "created_at"], name="outbox_event_idx"),
            models.Index(fields=["to_address"], name="outbox_to_idx"),
            models.Index(fields=["next_attempt_at"], name="outbox_due_idx",
                         condition=Q(status__in=["pending", "retry", "sending"])),
        ]
        constraints = [
            # a customer hears of each milestone once per channel, whatever retries or sweeps do
            models.UniqueConstraint(fields=["ticket", "milestone", "channel"], name="outbox_one_milestone",
                                    condition=~Q(milestone="")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to_address}: {self.event}"


SHORT_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 10


def _short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _i in range(SHORT_CODE_LENGTH))


class ShortLink(models.Model):
    """``/l/<code>`` → a page of this site, so an SMS link fits one segment. The code is random
    (about 58 bits), not derived from ids, so links cannot be enumerated."""

    code = models.CharField(_("短码"), max_length=16, unique=True, default=_short_code)
    path = models.CharField(_("目标路径"), max_length=300, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短链接")
        verbose_name_plural = _("短链接")

    def __str__(self) -> str:
        return f"/l/{self.code}"


def _webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An integration's URL that receives signed JSON for the events it subscribes to."""

    class Event(models.TextChoices):
        TICKET_CREATED = "ticket.created", _("工单创建")
        TICKET_STATE_CHANGED = "ticket.state_changed", _("工单状态变更")

    name = models.CharField(_("名称"), max_length=80)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=128, default=_webhook_secret,
                              help_text=_("HMAC-SHA256 签名密钥"))
    events = models.JSONField(_("订阅事件"), default=list,
                              help_text=_("ticket.created、ticket.state_changed 的列表"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 端点")
        verbose_name_plural = _("Webhook 端点")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with every attempt's outcome."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(_("幂等键"), max_length=160, unique=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("端点"))
    event = models.CharField(_("事件"), max_length=60)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="webhook_deliveries", verbose_name=_("工单"))
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response_body = models.TextField(_("响应内容"), blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    log = models.JSONField(_("尝试记录"), default=list, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webhook_status_idx"),
            models.Index(fields=["event", "created_at"], name="webhook_event_idx"),
            models.Index(fields=["next_attempt_at"], name="webhook_due_idx",
                         condition=Q(status__in=["pending", "retry", "sending"])),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.event} ({self.get_status_display()})"


__all__ = ["MessageChannel", "MessageTemplate", "DeliveryStatus", "OutboxMessage", "WebhookEndpoint",
           "WebhookDelivery", "ShortLink"]
