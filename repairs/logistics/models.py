"""Courier shipments of a mail-in ticket (in to the centre, back to the customer) and their tracking."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import TimeStampedModel


class Shipment(TimeStampedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("寄往服务中心")
        RETURN = "return", _("寄回客户")

    class Status(models.TextChoices):
        BOOKED = "booked", _("已下单，待揽收")
        IN_TRANSIT = "in_transit", _("运输中")
        DELIVERED = "delivered", _("已签收")
        RECEIVED = "received", _("服务中心已验收")
        CANCELLED = "cancelled", _("已取消")

    class Payer(models.TextChoices):
        COMPANY = "company", _("寄付月结（我方承担）")
        CUSTOMER = "customer", _("到付（客户承担）")

    class ReturnChoice(models.TextChoices):
        COURIER = "courier", _("快递寄回")
        PICKUP = "pickup", _("到店自取")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="shipments",
                               verbose_name=_("工单"))
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED,
                              db_index=True)
    carrier = models.CharField(_("承运商"), max_length=10, default="sf")
    order_id = models.CharField(_("客户订单号"), max_length=40, unique=True)
    waybill_no = models.CharField(_("运单号"), max_length=40, unique=True)
    pickup_start = models.DateTimeField(_("预约取件开始"), null=True, blank=True)
    pickup_end = models.DateTimeField(_("预约取件结束"), null=True, blank=True)
    sender = models.JSONField(_("寄件人"), default=dict)
    recipient = models.JSONField(_("收件人"), default=dict)
    freight_payer = models.CharField(_("运费承担"), max_length=10, choices=Payer.choices)
    freight_basis = models.CharField(_("运费依据"), max_length=120, blank=True)
    label_pdf = models.FileField(_("面单"), upload_to="shipping-labels/", blank=True)
    return_choice = models.CharField(_("修好后取回方式"), max_length=10, choices=ReturnChoice.choices,
                                     default=ReturnChoice.COURIER)
    received_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("验收人"))
    condition_note = models.CharField(_("到件外观"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("寄修运单")
        verbose_name_plural = _("寄修运单")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["direction", "created_at"], name="shipment_direction_idx"),
                   models.Index(fields=["freight_payer", "created_at"], name="shipment_payer_idx")]
        constraints = [
            # one live shipment per direction: booking twice never sends two couriers
            models.UniqueConstraint(fields=["ticket", "direction"], condition=~Q(status="cancelled"),
                                    name="shipment_one_live_per_direction"),
        ]

    def __str__(self) -> str:
        return self.waybill_no


class TrackingEvent(models.Model):
    """One route event the carrier pushed; the same event pushed again is stored once."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("运单"))
    op_code = models.CharField(_("操作码"), max_length=10)
    description = models.CharField(_("描述"), max_length=300)
    location = models.CharField(_("地点"), max_length=80, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["-occurred_at"]
        constraints = [models.UniqueConstraint(fields=["shipment", "op_code", "occurred_at"],
                                               name="tracking_event_once")]

    def __str__(self) -> str:
        return f"{self.op_code} {self.description}"
