"""Models of the progress feature (see tickets/models/__init__.py): what the customer asks for from
the progress page that finance or staff must act on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Ticket, TimeStampedModel


class InvoiceRequest(TimeStampedModel):
    """A customer's request for an electronic invoice (电子发票), recorded for finance."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("个人")
        COMPANY = "company", _("单位")

    class Status(models.TextChoices):
        PENDING = "pending", _("待开票")
        ISSUED = "issued", _("已开票")
        REJECTED = "rejected", _("已驳回")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="invoice_requests",
                               verbose_name=_("工单"))
    kind = models.CharField(_("抬头类型"), max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    title = models.CharField(_("发票抬头"), max_length=100)
    tax_number = models.CharField(_("纳税人识别号"), max_length=18, blank=True,
                                  help_text=_("单位抬头填写 18 位统一社会信用代码"))
    email = models.EmailField(_("接收邮箱"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    invoice_number = models.CharField(_("发票号码"), max_length=40, blank=True)
    note = models.CharField(_("财务备注"), max_length=200, blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("提交 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子发票申请")
        verbose_name_plural = _("电子发票申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(status="pending"),
                                    name="one_pending_invoice_request_per_ticket"),
            models.CheckConstraint(condition=Q(kind="personal") | ~Q(tax_number=""),
                                   name="invoice_company_needs_tax_number"),
        ]
        indexes = [
            models.Index(fields=["kind"], name="invoice_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.title}"


__all__ = ["InvoiceRequest"]
