"""Workshop records around a repair order: audit rows, on-site visits, fitted parts and QC inspections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import TimeStampedModel


class RepairStatusChange(models.Model):
    """Audit row of one repair-order transition, written by the service in the same transaction (R7)."""

    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.CASCADE, related_name="status_changes",
                                     verbose_name=_("维修单"))
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("维修单状态变更")
        verbose_name_plural = _("维修单状态变更")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["to_state"], name="repair_change_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_order_id}: {self.from_state} → {self.to_state}"


class RepairVisit(TimeStampedModel):
    """An on-site visit: departure (on my way), check-in with time and GPS place, and check-out."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="visits",
                               verbose_name=_("工单"))
    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="visits", verbose_name=_("维修单"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.PROTECT, related_name="visits",
                                   verbose_name=_("工程师"))
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    latitude = models.DecimalField(_("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("距客户地址（米）"), null=True, blank=True)
    is_far = models.BooleanField(_("签到距离异常"), default=False, db_index=True)
    checked_out_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    eta_at = models.DateTimeField(_("预计到达"), null=True, blank=True)

    class Meta:
        verbose_name = _("上门记录")
        verbose_name_plural = _("上门记录")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="visit_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="visit_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.technician_id}"


class FittedPart(TimeStampedModel):
    """A part fitted during the repair, with its serial (the QC gate and the report read these)."""

    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.CASCADE, related_name="fitted_parts",
                                     verbose_name=_("维修单"))
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("备件"))
    quote_line = models.ForeignKey("repairs.QuoteLine", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="fitted", verbose_name=_("报价行"))
    reservation = models.ForeignKey("parts.Reservation", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("备件预留"))
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    serial = models.CharField(_("新件序列号"), max_length=60, blank=True)
    old_serial = models.CharField(_("旧件序列号"), max_length=60, blank=True)
    fitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("安装人"))

    class Meta:
        verbose_name = _("更换备件")
        verbose_name_plural = _("更换备件")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["serial"], name="fitted_part_serial_idx"),
            models.Index(fields=["old_serial"], name="fitted_part_old_serial_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} {self.serial}"


class QCInspection(TimeStampedModel):
    class Result(models.TextChoices):
        PASSED = "passed", _("通过")
        FAILED = "failed", _("不通过")

    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.CASCADE, related_name="inspections",
                                     verbose_name=_("维修单"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("质检员"))
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    checklist = models.JSONField(_("检查项"), default=dict, blank=True)
    reason = models.TextField(_("不通过原因"), blank=True)

    class Meta:
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["result"], name="qc_inspection_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_order_id} {self.result}"
