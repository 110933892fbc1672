"""三包 records: editable rule sets, the warranty card (三包凭证) and its repair records (维修记录).

Warranty cards and repair records are legal evidence (sanbao.md §7.2): they are written once by the
services and never updated. ``save()`` refuses updates and ``delete()`` refuses deletion; migration
0004 adds database triggers that refuse UPDATE on both tables as well.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import ProductCategory, TimeStampedModel


class WarrantyRuleSet(TimeStampedModel):
    """A rule set kept in the database (same JSON form as repairs/data/sanbao_rules.json).

    Rows here override or extend the data file by ``code``; e.g. next year's provincial rule.
    """

    code = models.SlugField(_("规则编码"), max_length=40, unique=True)
    category = models.CharField(_("品类"), max_length=20, choices=[*ProductCategory.choices, ("*", _("其他"))])
    name = models.CharField(_("名称"), max_length=120)
    effective_from = models.DateField(_("生效日期"))
    data = models.JSONField(_("规则数据"), default=dict)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("三包规则")
        verbose_name_plural = _("三包规则")
        ordering = ["category", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from}）"

    def as_rule_data(self) -> dict:
        return {**self.data, "id": self.code, "category": self.category, "name": self.name,
                "effective_from": self.effective_from.isoformat()}


class DepreciationRate(TimeStampedModel):
    """A daily depreciation rate for 三包 refunds of one category, with its source and who verified it.

    Used for the categories whose rule data carries no rate (white goods, A17), and only once verified:
    until then a refund with depreciation is blocked.
    Written by ``depreciation_rate_save`` (the admin goes through it).
    """

    category = models.CharField(_("品类"), max_length=20, choices=ProductCategory.choices)
    rate_per_day = models.DecimalField(_("每日折旧率"), max_digits=7, decimal_places=5,
                                       help_text=_("例如 0.00100 表示每日 0.1%"))
    effective_from = models.DateField(_("适用于此日起购买的商品"))
    source = models.CharField(_("来源"), max_length=200, help_text=_("规定名称与条款，或官方文本出处"))
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("核实人"))
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("三包折旧率")
        verbose_name_plural = _("三包折旧率")
        ordering = ["category", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.rate_per_day}（{self.effective_from}）"

    @property
    def is_verified(self) -> bool:
        return self.verified_by_id is not None and self.verified_at is not None


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("三包凭证与维修记录写入后不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("三包凭证与维修记录不可删除。"))


class WarrantyCard(_WriteOnce):
    """三包凭证 (phone rule 附录2): fields 1–9; a new card replaces the old one after an exchange."""

    number = models.CharField(_("凭证编号"), max_length=30, unique=True)
    device = models.ForeignKey("tickets.Device", on_delete=models.PROTECT, related_name="warranty_cards",
                               verbose_name=_("设备"))
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", verbose_name=_("替换的旧凭证"))
    product_model = models.CharField(_("主机型号"), max_length=120)
    serial_number = models.CharField(_("机身号/IMEI"), max_length=40)
    accessories = models.JSONField(_("附件型号与序列号"), default=list, blank=True)
    origin = models.CharField(_("产地"), max_length=60, blank=True)
    seller = models.CharField(_("销售者"), max_length=120, blank=True)
    invoice_number = models.CharField(_("发票号"), max_length=40, blank=True)
    sale_date = models.DateField(_("销售日期"), null=True, blank=True)
    consumer_name = models.CharField(_("消费者"), max_length=80)
    consumer_phone = models.CharField(_("消费者电话"), max_length=20, blank=True)
    consumer_address = models.CharField(_("消费者地址"), max_length=200, blank=True)
    repairer = models.CharField(_("修理者"), max_length=120, blank=True)
    repairer_address = models.CharField(_("修理者地址"), max_length=200, blank=True)
    repairer_phone = models.CharField(_("修理者电话"), max_length=20, blank=True)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("签发人"))

    class Meta:
        verbose_name = _("三包凭证")
        verbose_name_plural = _("三包凭证")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["issued_at"], name="warranty_card_issued_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class RepairRecord(_WriteOnce):
    """One row of the card's 维修记录: the evidence for the two-repairs rule and the 30/60/90-day triggers."""

    class DelayCause(models.TextChoices):
        NONE = "none", _("无")
        REPAIRER = "repairer", _("修理者原因")
        PRODUCER_PARTS = "producer_parts", _("生产者未供应零配件")
        CONSUMER = "consumer", _("消费者原因")

    card = models.ForeignKey(WarrantyCard, on_delete=models.PROTECT, related_name="records",
                             verbose_name=_("三包凭证"))
    repair_order = models.OneToOneField("repairs.RepairOrder", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="record", verbose_name=_("维修单"))
    received_on = models.DateField(_("送修日期"))
    returned_on = models.DateField(_("交验日期"), null=True, blank=True)
    fault_reported = models.TextField(_("送修故障情况"))
    fault_code = models.CharField(_("故障代码"), max_length=40, blank=True)
    listed_fault = models.BooleanField(_("性能故障"), default=False)
    cause = models.TextField(_("故障原因"), blank=True)
    handling = models.TextField(_("故障处理情况及退、换货证明"), blank=True)
    is_refund_or_exchange_certificate = models.BooleanField(_("退换货证明"), default=False)
    under_warranty = models.BooleanField(_("三包维修"), default=True)
    occupied_days = models.PositiveIntegerField(_("修理占用天数"), default=0)
    parts_wait_days = models.PositiveIntegerField(_("待修天数"), default=0)
    delay_cause = models.CharField(_("延误原因"), max_length=16, choices=DelayCause.choices, default=DelayCause.NONE)
    technician = models.ForeignKey("repairs.Technician", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("维修人员"))
    technician_signature = models.ForeignKey("tickets.Attachment", on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+", verbose_name=_("维修人员签字"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("维修记录")
        verbose_name_plural = _("维修记录")
        ordering = ["received_on", "id"]
        indexes = [
            models.Index(fields=["received_on"], name="repair_record_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.received_on}"
