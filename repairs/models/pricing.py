"""Price list (product model × fault category) and versioned quotes with the customer's approval."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import TimeStampedModel


class LineKind(models.TextChoices):
    PART = "part", _("备件")
    LABOR = "labor", _("工时")
    SERVICE = "service", _("服务项目")


class PriceListItem(TimeStampedModel):
    """One price of the list, valid from a date (and optionally until one)."""

    product_model = models.ForeignKey("tickets.ProductModel", on_delete=models.PROTECT, related_name="prices",
                                      verbose_name=_("产品型号"))
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.PROTECT, related_name="prices",
                                       verbose_name=_("故障分类"))
    kind = models.CharField(_("类型"), max_length=10, choices=LineKind.choices)
    code = models.CharField(_("项目编码"), max_length=40)
    name = models.CharField(_("项目名称"), max_length=120)
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="prices",
                             verbose_name=_("备件"))
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    optional = models.BooleanField(_("视检测结果而定"), default=False,
                                   help_text=_("可选项计入价格区间上限，不计入下限"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("价目表")
        verbose_name_plural = _("价目表")
        ordering = ["product_model", "fault_category", "kind", "code", "-valid_from"]
        indexes = [models.Index(fields=["product_model", "fault_category", "valid_from"], name="price_lookup_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_non_negative"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="price_validity_ordered"),
            models.UniqueConstraint(fields=["product_model", "fault_category", "code", "valid_from"],
                                    name="price_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.unit_price}"


class Quote(TimeStampedModel):
    """One version of a repair order's quote. An approved version never changes (new lines → new version)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SENT = "sent", _("待客户确认")
        APPROVED = "approved", _("客户已确认")
        DECLINED = "declined", _("客户已拒绝")
        SUPERSEDED = "superseded", _("已作废（有新版本）")

    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.PROTECT, related_name="quotes",
                                     verbose_name=_("维修单"))
    version = models.PositiveSmallIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    under_warranty = models.BooleanField(_("三包免费"), default=False)
    warranty_reason = models.CharField(_("免费原因"), max_length=300, blank=True)
    total = models.DecimalField(_("应付合计"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("确认操作人"))
    signer_name = models.CharField(_("签字人"), max_length=80, blank=True)
    signer_ip = models.GenericIPAddressField(_("签字 IP"), null=True, blank=True)
    signer_user_agent = models.CharField(_("签字设备"), max_length=300, blank=True)
    signature = models.ForeignKey("tickets.Attachment", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("手写签名"))
    declined_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    decline_reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("报价单")
        verbose_name_plural = _("报价单")
        ordering = ["repair_order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["repair_order", "version"], name="quote_unique_version"),
            models.UniqueConstraint(fields=["repair_order"], condition=Q(status__in=["draft", "sent"]),
                                    name="quote_one_open_version"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(approved_at__isnull=False),
                                   name="quote_approved_has_time"),
        ]
        indexes = [
            models.Index(fields=["under_warranty"], name="quote_warranty_idx"),
        ]

    def __str__(self) -> str:
        return f"Q{self.repair_order_id}-v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.DECLINED, self.Status.SUPERSEDED)


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("报价单"))
    kind = models.CharField(_("类型"), max_length=10, choices=LineKind.choices)
    description = models.CharField(_("项目"), max_length=160)
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("备件"))
    price_item = models.ForeignKey(PriceListItem, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("价目"))
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    is_free = models.BooleanField(_("免费"), default=False)
    free_reason = models.CharField(_("免费原因"), max_length=300, blank=True)
    reservation = models.ForeignKey("parts.Reservation", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("备件预留"))
    position = models.PositiveSmallIntegerField(_("序号"), default=0)

    class Meta:
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0) & Q(amount__gte=0), name="quote_line_non_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quote_line_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["kind"], name="quote_line_kind_idx"),
            models.Index(fields=["is_free"], name="quote_line_free_idx"),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs) -> None:
        # The approved version of a quote never changes; new work needs a new version (and approval).
        status = Quote.objects.filter(pk=self.quote_id).values_list("status", flat=True).first()
        if status in (Quote.Status.APPROVED, Quote.Status.DECLINED, Quote.Status.SUPERSEDED) \
                and not kwargs.pop("allow_locked", False):
            raise ValidationError(_("已确认或已作废的报价不能修改，请新建报价版本。"))
        super().save(*args, **kwargs)

    @property
    def payable(self) -> Decimal:
        return Decimal("0.00") if self.is_free else self.amount
