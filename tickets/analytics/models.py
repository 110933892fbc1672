"""Daily rollup tables: one row per day and dimension, recomputed whole for every day that changed.

A duration is counted on the day its wait ended (first response, arrival, resolution), a satisfaction score on
the day it was answered; so recomputing the days that had new events or answers keeps every figure exact.
Durations are kept as fixed-bucket histograms (see ``histogram``): per centre and day, and summed per centre
and month, so the median and P90 over a year add up a dozen monthly rows per centre (plus the days of the
period's partial months), exact below two hours and within 0.8 % above.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TicketDailyRollup(models.Model):
    def __str__(self) -> str:
        return f"{self.day} · {self.center_id or '-'}"

    day = models.DateField(_("日期"))
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    product_model = models.ForeignKey("tickets.ProductModel", on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+", verbose_name=_("产品型号"), db_constraint=False)
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="+", verbose_name=_("故障分类"), db_constraint=False)
    created = models.PositiveIntegerField(_("新建"), default=0)
    responded = models.PositiveIntegerField(_("首次响应"), default=0)
    responded_on_time = models.PositiveIntegerField(_("按时响应"), default=0)
    resolved = models.PositiveIntegerField(_("解决"), default=0)
    resolved_on_time = models.PositiveIntegerField(_("按时解决"), default=0)
    complaints = models.PositiveIntegerField(_("投诉"), default=0)
    rated = models.PositiveIntegerField(_("评分项数"), default=0)
    satisfied = models.PositiveIntegerField(_("满意评分项数（4–5 分）"), default=0)
    nps_promoters = models.PositiveIntegerField(_("推荐者"), default=0)
    nps_detractors = models.PositiveIntegerField(_("贬损者"), default=0)
    nps_n = models.PositiveIntegerField(_("推荐意愿份数"), default=0)

    class Meta:
        verbose_name = _("工单日汇总")
        verbose_name_plural = _("工单日汇总")
        indexes = [models.Index(fields=["day", "center"], name="rollup_ticket_day_idx"),
                   models.Index(fields=["product_model", "fault_category", "day"], name="rollup_ticket_model_idx")]


class FaultMonthlyRollup(models.Model):
    """Tickets received per month × product model × fault, rebuilt from the daily rows of every month a
    refresh touches. The frequent-faults report reads a year as a dozen months of these rather than
    365 days × centres of daily rows. ``all_centres`` rows hold the totals over every centre (read by
    viewers who see every centre); the others are per centre."""

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {'*' if self.all_centres else self.center_id or '-'}"

    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    all_centres = models.BooleanField(_("全部网点合计"), default=False)
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    product_model = models.ForeignKey("tickets.ProductModel", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("产品型号"), db_constraint=False)
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="+", verbose_name=_("故障分类"), db_constraint=False)
    created = models.PositiveIntegerField(_("新建"), default=0)

    class Meta:
        verbose_name = _("故障月汇总")
        verbose_name_plural = _("故障月汇总")
        indexes = [models.Index(fields=["all_centres", "month", "center"], name="rollup_fault_month_idx")]


class TechnicianDailyRollup(models.Model):
    def __str__(self) -> str:
        return f"{self.day} · {self.technician_id}"

    day = models.DateField(_("日期"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("工程师"), db_constraint=False)
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    jobs = models.PositiveIntegerField(_("完成工单"), default=0)
    first_time_fix = models.PositiveIntegerField(_("一次修复"), default=0)
    repeat_30 = models.PositiveIntegerField(_("30 天内返修"), default=0)
    repeat_90 = models.PositiveIntegerField(_("90 天内返修"), default=0)
    arrivals = models.PositiveIntegerField(_("上门"), default=0)
    arrivals_on_time = models.PositiveIntegerField(_("按时上门"), default=0)
    complaints = models.PositiveIntegerField(_("投诉"), default=0)
    rated = models.PositiveIntegerField(_("评分项数"), default=0)
    satisfied = models.PositiveIntegerField(_("满意评分项数（4–5 分）"), default=0)
    nps_promoters = models.PositiveIntegerField(_("推荐者"), default=0)
    nps_detractors = models.PositiveIntegerField(_("贬损者"), default=0)
    nps_n = models.PositiveIntegerField(_("推荐意愿份数"), default=0)

    class Meta:
        verbose_name = _("工程师日汇总")
        verbose_name_plural = _("工程师日汇总")
        indexes = [models.Index(fields=["day", "center"], name="rollup_tech_day_idx")]


# the count fields of ``CentreWaits`` that sum across days and centres, and the kinds of wait it keeps a
# histogram of (``<kind>_histogram``)
WAIT_COUNTS = ("responded", "responded_on_time", "resolved", "resolved_on_time")
WAIT_KINDS = ("response", "arrival", "resolution")


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def day_bounds(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The local days ``first``..``last`` (only ``first`` without it) as instants: from ``first``'s
    midnight up to, not including, the midnight after ``last``, in the local time (Asia/Shanghai). The
    days a rollup row counts, and what a list behind a figure filters on: a range of instants walks a
    timestamp's index, where a date lookup would convert every row's timestamp first."""
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine((last or first) + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months that ``first``..``last`` touch."""
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = month_after(month)
    return out


class CentreWaits(models.Model):
    """The waits that ended in a period at one centre: how many, how many within the SLA, and their durations
    as bucket counts (``histogram``) that add up across rows."""

    responded = models.PositiveIntegerField(_("首次响应"), default=0)
    responded_on_time = models.PositiveIntegerField(_("按时响应"), default=0)
    resolved = models.PositiveIntegerField(_("解决"), default=0)
    resolved_on_time = models.PositiveIntegerField(_("按时解决"), default=0)
    response_histogram = models.JSONField(_("首次响应用时分布"), default=list)
    arrival_histogram = models.JSONField(_("上门/收机用时分布"), default=list)
    resolution_histogram = models.JSONField(_("解决用时分布"), default=list)

    class Meta:
        abstract = True


class CentreDailyRollup(CentreWaits):
    """Per centre and day: the waits that ended that day (``CentreWaits``), and 24 hourly counts of tickets
    received, complaints and technicians at work (checked in)."""
    def __str__(self) -> str:
        return f"{self.day} · {self.center_id}"


    day = models.DateField(_("日期"))
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    tickets = models.JSONField(_("每小时新建"), default=list)
    complaints = models.JSONField(_("每小时投诉"), default=list)
    technicians = models.JSONField(_("每小时在岗工程师"), default=list)

    class Meta:
        verbose_name = _("网点日汇总")
        verbose_name_plural = _("网点日汇总")
        indexes = [models.Index(fields=["day", "center"], name="rollup_centre_day_idx")]


class CentreMonthlyRollup(CentreWaits):
    """Per centre and month: the sum of the month's daily rows (waits, and hourly counts by weekday), rebuilt
    from the daily rows of every month a refresh touches. The waits report and the complaint heatmap read a
    period's whole months here and only its partial months' days from the daily rows."""

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.center_id or '-'}"

    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    # the month's hourly counts summed by weekday: 7 × 24 values, Monday 00:00 first
    weekday_tickets = models.JSONField(_("按星期与小时新建"), default=list)
    weekday_complaints = models.JSONField(_("按星期与小时投诉"), default=list)
    weekday_technicians = models.JSONField(_("按星期与小时在岗工程师"), default=list)
    days = models.JSONField(_("有汇总的日期（日）"), default=list)

    class Meta:
        verbose_name = _("网点月汇总")
        verbose_name_plural = _("网点月汇总")
        indexes = [models.Index(fields=["month", "center"], name="rollup_centre_month_idx")]


class PartDailyRollup(models.Model):
    def __str__(self) -> str:
        return f"{self.day} · {self.part_id}"

    day = models.DateField(_("日期"))
    part = models.ForeignKey("parts.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("备件"),
                             db_constraint=False)
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("网点"), db_constraint=False)
    consumed = models.PositiveIntegerField(_("领用数量"), default=0)
    stockouts = models.PositiveIntegerField(_("缺货次数"), default=0)

    class Meta:
        verbose_name = _("备件日汇总")
        verbose_name_plural = _("备件日汇总")
        indexes = [models.Index(fields=["day", "center"], name="rollup_part_day_idx")]


class RollupState(models.Model):
    """How far the rollups are current: events and answers up to ``through`` are counted."""
    def __str__(self) -> str:
        return f"{self.pk}"


    name = models.CharField(max_length=40, primary_key=True)
    through = models.DateTimeField()

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")


class FaultSpikeAlert(models.Model):
    """A model × fault whose weekly count is improbably high against its own recent weeks (see ``spikes``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        ACKNOWLEDGED = "acknowledged", _("已核查")

    product_model = models.ForeignKey("tickets.ProductModel", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("产品型号"))
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.CASCADE, related_name="+",
                                       verbose_name=_("故障分类"))
    week_start = models.DateField(_("周起始日"))
    count = models.PositiveIntegerField(_("本周报修数"))
    baseline = models.FloatField(_("基线周均"))
    p_value = models.FloatField(_("P 值"))
    ticket_ids = models.JSONField(_("证据工单"), default=list)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.OPEN, db_index=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("核查人"))
    note = models.TextField(_("核查说明"), blank=True)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)

    class Meta:
        verbose_name = _("故障突增预警")
        verbose_name_plural = _("故障突增预警")
        ordering = ["-week_start", "-count"]
        indexes = [models.Index(fields=["-week_start", "-count"], name="spike_week_idx")]
        constraints = [models.UniqueConstraint(fields=["product_model", "fault_category", "week_start"],
                                               name="spike_once_per_week")]

    def __str__(self) -> str:
        return f"{self.product_model} · {self.fault_category} · {self.week_start}"
