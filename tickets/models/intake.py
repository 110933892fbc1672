"""Models of the intake feature: triage results and corrections, the learned classifier, intake
channel API keys, idempotency records, and the admin proxies of the intake and triage queue pages.

See tickets/models/__init__.py for how feature modules are collected under the ``tickets`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from .core import Channel, FaultCategory, Ticket, TimeStampedModel


class TriageResult(TimeStampedModel):
    """What the classifier said about a ticket, and what a person decided about it."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="triage_result",
                                  verbose_name=_("工单"))
    predicted_category = models.ForeignKey(FaultCategory, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+", verbose_name=_("预测分类"))
    confidence = models.FloatField(_("置信度"), default=0.0)
    candidates = models.JSONField(_("候选分类"), default=list, blank=True,
                                  help_text=_("按概率排序的前几个分类：[{code, name, p}]"))
    tokens = models.JSONField(_("分词"), default=list, blank=True)
    # The features that pushed the prediction towards its category, strongest first:
    # [{"feature": "不制冷", "weight": 1.7}], so that an agent can see why it was chosen.
    explanation = models.JSONField(_("分类依据"), default=list, blank=True)
    # What the model combined with the text: product line, earlier categories of the device, a
    # guided-diagnosis suggestion.
    context = models.JSONField(_("分类上下文"), default=dict, blank=True)
    model_version = models.PositiveIntegerField(_("模型版本"), null=True, blank=True)
    auto_triaged = models.BooleanField(_("自动分类"), default=False)
    needs_review = models.BooleanField(_("待人工分类"), default=False, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("分类人"))
    reviewed_at = models.DateTimeField(_("人工分类时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类结果")
        verbose_name_plural = _("分类结果")
        indexes = [
            models.Index(fields=["auto_triaged"], name="triage_auto_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.predicted_category_id} ({self.confidence:.2f})"


class TriageCorrection(models.Model):
    """An agent's decision on a ticket's category (who, from, to), used as a training sample."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="triage_corrections",
                               verbose_name=_("工单"))
    from_category = models.ForeignKey(FaultCategory, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("原分类"))
    to_category = models.ForeignKey(FaultCategory, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("更正为"))
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("更正人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("分类更正")
        verbose_name_plural = _("分类更正")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_category_id} → {self.to_category_id}"


class ClassifierModel(models.Model):
    """A trained multinomial naive Bayes model (token counts per category), stored as JSON."""

    created_at = models.DateTimeField(_("训练时间"), default=timezone.now, db_index=True)
    is_active = models.BooleanField(_("当前使用"), default=False, db_index=True)
    sample_count = models.PositiveIntegerField(_("样本数"), default=0)
    ticket_sample_count = models.PositiveIntegerField(_("工单样本数"), default=0)
    vocabulary_size = models.PositiveIntegerField(_("词表大小"), default=0)
    params = models.JSONField(_("模型参数"), default=dict)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.sample_count})"


class IntakeChannelKey(AbstractAPIKey):
    """An API key of one integration (brand app, mini-program, e-commerce backend).

    The library's fields are declared again only for their labels, which staff read in Chinese;
    their columns are the library's."""

    prefix = models.CharField(_("前缀"), max_length=8, unique=True, editable=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    name = models.CharField(_("名称"), max_length=50, blank=False, default=None,
                            help_text=_("便于识别的名称，如“品牌 App”，不必唯一，最多 50 个字符。"))
    revoked = models.BooleanField(_("已吊销"), blank=True, default=False,
                                  help_text=_("吊销后，使用该密钥的接入方将立即被拒绝（不可撤销）。"))
    expiry_date = models.DateTimeField(_("有效期至"), blank=True, null=True,
                                       help_text=_("过期后，使用该密钥的接入方将被拒绝。"))
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("接入渠道密钥")
        verbose_name_plural = _("接入渠道密钥")


class IntakeRecord(models.Model):
    """One accepted intake message, keyed by the sender's id so that a retry returns the same result."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("新建工单")
        DUPLICATE = "duplicate", _("关联到已有工单")
        FOLLOW_UP = "follow_up", _("追加到已有工单")

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("外部编号"), max_length=255,
                                   help_text=_("Idempotency-Key、电商订单号或邮件 Message-ID"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="intake_records",
                               verbose_name=_("工单"))
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接入记录")
        verbose_name_plural = _("接入记录")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="intake_record_unique_external_id"),
        ]
        indexes = [
            models.Index(fields=["outcome"], name="intake_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class PhoneIntake(Ticket):
    """Admin entry point for phone and store reports (custom add view)."""

    class Meta:
        proxy = True
        verbose_name = _("电话/门店报修")
        verbose_name_plural = _("电话/门店报修")


class TriageQueueTicket(Ticket):
    """Tickets whose classification was not confident enough: the agents' triage queue."""

    class Meta:
        proxy = True
        verbose_name = _("待分类工单")
        verbose_name_plural = _("待分类工单（分类队列）")


__all__ = [
    "TriageResult", "TriageCorrection", "ClassifierModel", "IntakeChannelKey", "IntakeRecord", "PhoneIntake",
    "TriageQueueTicket",
]
