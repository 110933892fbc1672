"""Appointment windows with capacity, booked appointments, the technician's planned day, the
location pings of a technician on the way and the privacy-number bindings of a job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tickets.models import TimeStampedModel


class WindowCapacity(TimeStampedModel):
    """How many visits one two-hour window of a centre takes for one skill ("" = any job). Without a
    row the capacity is the number of on-duty technicians of the centre who have the skill."""

    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, related_name="window_capacities",
                               verbose_name=_("网点"))
    skill = models.CharField(_("技能"), max_length=40, blank=True, help_text=_("留空表示不限技能"))
    capacity = models.PositiveSmallIntegerField(_("每个时段可约数"))

    class Meta:
        verbose_name = _("预约时段容量")
        verbose_name_plural = _("预约时段容量")
        constraints = [models.UniqueConstraint(fields=["center", "skill"], name="window_capacity_unique")]

    def __str__(self) -> str:
        return f"{self.center} · {self.skill or '*'} · {self.capacity}"


class AppointmentSlot(models.Model):
    """One two-hour window of a centre for a skill, created when first booked. ``booked`` is changed
    only by a conditional UPDATE (``booked < capacity``), so two customers never take the last place."""

    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.CASCADE, related_name="appointment_slots",
                               verbose_name=_("网点"))
    skill = models.CharField(_("技能"), max_length=40, blank=True)
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    capacity = models.PositiveSmallIntegerField(_("容量"))
    booked = models.PositiveSmallIntegerField(_("已约"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["start"]
        indexes = [models.Index(fields=["start"], name="appointment_slot_start_idx")]
        constraints = [
            models.UniqueConstraint(fields=["center", "skill", "start"], name="appointment_slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="appointment_slot_not_overbooked"),
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.skill or '*'} {self.start:%Y-%m-%d %H:%M}"


class Appointment(TimeStampedModel):
    """The visit time agreed with the customer for a ticket. One active appointment per ticket; a
    reschedule cancels the old row and books a new one, so the history stays readable."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")
        RESCHEDULED = "rescheduled", _("已改约")
        DONE = "done", _("已上门")

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("客户自选")
        DISPATCHER = "dispatcher", _("调度代约")
        API = "api", _("接口")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="appointments",
                               verbose_name=_("工单"))
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments",
                             verbose_name=_("时段"))
    start = models.DateTimeField(_("预约开始"), db_index=True)
    end = models.DateTimeField(_("预约结束"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.CUSTOMER)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("代约人"))
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    # The route's planned arrival (set by the day's plan), shown to the dispatcher.
    planned_arrival = models.DateTimeField(_("计划到达"), null=True, blank=True)
    route_position = models.PositiveSmallIntegerField(_("路线顺序"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["start"]
        indexes = [models.Index(fields=["status", "start"], name="appointment_status_idx"),
                   models.Index(fields=["source", "start"], name="appointment_source_idx")]
        constraints = [models.UniqueConstraint(fields=["ticket"], condition=Q(status="booked"),
                                               name="one_booked_appointment_per_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.start:%m-%d %H:%M}"


class RoutePlan(TimeStampedModel):
    """A technician's planned day: the visits in the order the solver chose, with planned arrivals."""

    technician = models.ForeignKey("repairs.Technician", on_delete=models.CASCADE, related_name="route_plans",
                                   verbose_name=_("工程师"))
    date = models.DateField(_("日期"))
    stops = models.JSONField(_("站点"), default=list, blank=True)
    travel_minutes = models.PositiveIntegerField(_("路上时间（分钟）"), default=0)
    distance_km = models.DecimalField(_("总里程（公里）"), max_digits=8, decimal_places=1, default=0)
    feasible = models.BooleanField(_("全部时段可达"), default=True)
    provider = models.CharField(_("地图服务"), max_length=20, blank=True)
    planned_at = models.DateTimeField(_("规划时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工程师日程路线")
        verbose_name_plural = _("工程师日程路线")
        ordering = ["-date", "technician"]
        indexes = [models.Index(fields=["-date", "technician"], name="routeplan_date_idx"),
                   models.Index(fields=["feasible", "date"], name="routeplan_feasible_idx")]
        constraints = [models.UniqueConstraint(fields=["technician", "date"], name="route_plan_unique")]

    def __str__(self) -> str:
        return f"{self.technician} {self.date}"


class LocationPing(models.Model):
    """Where the technician was while on the way to a customer. Kept only while en route: deleted on
    arrival, because a movement track is personal data."""

    visit = models.ForeignKey("repairs.RepairVisit", on_delete=models.CASCADE, related_name="pings",
                              verbose_name=_("上门记录"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("途中定位")
        verbose_name_plural = _("途中定位")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.at:%H:%M:%S}"


class PrivacyBinding(TimeStampedModel):
    """A privacy number (AXB): the customer (A) and the technician (B) call each other through X and
    neither sees the other's number. Bound on dispatch, released when the ticket closes."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("生效中")
        RELEASED = "released", _("已释放")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="privacy_bindings",
                               verbose_name=_("工单"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("工程师"))
    provider = models.CharField(_("服务商"), max_length=20)
    binding_id = models.CharField(_("绑定编号"), max_length=80)
    number_x = models.CharField(_("隐私号"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    released_at = models.DateTimeField(_("释放时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("隐私号绑定")
        verbose_name_plural = _("隐私号绑定")
        indexes = [models.Index(fields=["status", "created_at"], name="privacy_status_idx")]
        constraints = [models.UniqueConstraint(fields=["ticket", "technician"], condition=Q(status="active"),
                                               name="one_active_privacy_binding")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.number_x}"
