"""Models of the sla feature (see tickets/models/__init__.py): the business calendar, SLA policies
and the SLA ledger."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Customer, Priority


class CalendarDay(models.Model):
    """A day whose status differs from the plain rule (Saturday and Sunday rest, other days work).

    Holds public holidays (法定节假日, including the weekend days inside a holiday block) and make-up
    working days (调休上班). Loaded from the chinesecalendar library for the years it covers and editable
    by staff for years it does not cover yet.
    """

    class Source(models.TextChoices):
        LIBRARY = "library", _("日历库")
        MANUAL = "manual", _("人工录入")

    date = models.DateField(_("日期"), unique=True)
    is_rest_day = models.BooleanField(_("休息日"), help_text=_("勾选为放假，不勾选为调休上班"))
    name = models.CharField(_("名称"), max_length=40, blank=True, help_text=_("如 春节、国庆节"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("节假日日历")
        verbose_name_plural = _("节假日日历")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("放假") if self.is_rest_day else _("调休上班")
        return f"{self.date} {self.name} {kind}".strip()




class SlaPolicy(models.Model):
    """Targets in business hours for tickets matching fault category × priority × customer tier.

    An empty criterion matches anything; the most specific active match wins (category counts more
    than priority, priority more than tier), and a policy with no criteria is the default.
    """

    name = models.CharField(_("名称"), max_length=80)
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="sla_policies", verbose_name=_("故障分类"))
    priority = models.CharField(_("优先级"), max_length=10, blank=True, choices=Priority.choices)
    customer_tier = models.CharField(_("客户等级"), max_length=16, blank=True, choices=Customer.Tier.choices)
    response_hours = models.DecimalField(_("首次响应时限（工作小时）"), max_digits=6, decimal_places=2)
    resolution_hours = models.DecimalField(_("解决时限（工作小时）"), max_digits=6, decimal_places=2)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("SLA 策略")
        verbose_name_plural = _("SLA 策略")
        ordering = ["fault_category__code", "priority", "customer_tier"]
        constraints = [
            models.CheckConstraint(condition=Q(response_hours__gt=0) & Q(resolution_hours__gt=0),
                                   name="sla_policy_positive_targets"),
            models.CheckConstraint(condition=Q(response_hours__lte=models.F("resolution_hours")),
                                   name="sla_policy_response_before_resolution"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return (4 if self.fault_category_id else 0) + (2 if self.priority else 0) + (1 if self.customer_tier else 0)


class SlaClock(models.Model):
    """The running SLA of one ticket: targets, consumed business time and the next action due.

    ``next_action_at`` is the earliest pending reminder, response breach or resolution breach while
    the clock runs, and NULL while it is paused or stopped, so the sweep is one indexed range scan.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("计时中")
        PAUSED = "paused", _("已暂停")
        STOPPED = "stopped", _("已停止")

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clock",
                                  verbose_name=_("工单"))
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("SLA 策略"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RUNNING)
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("计时网点"),
                               help_text=_("按其营业时间计时；为空用默认营业时间"))
    response_hours = models.DecimalField(_("首次响应时限（工作小时）"), max_digits=6, decimal_places=2)
    resolution_hours = models.DecimalField(_("解决时限（工作小时）"), max_digits=6, decimal_places=2)
    started_at = models.DateTimeField(_("开始计时"))
    running_since = models.DateTimeField(_("本段计时开始"), null=True, blank=True)
    consumed_seconds = models.PositiveIntegerField(_("已用工作秒数"), default=0,
                                                   help_text=_("本段计时开始之前已用的工作时间"))
    due_response_at = models.DateTimeField(_("响应截止"), null=True, blank=True)
    due_resolution_at = models.DateTimeField(_("解决截止"), null=True, blank=True)
    remind_at = models.DateTimeField(_("提醒时间（75%）"), null=True, blank=True)
    responded_at = models.DateTimeField(_("已响应"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    response_breached_at = models.DateTimeField(_("响应超时"), null=True, blank=True)
    breached_at = models.DateTimeField(_("解决超时"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("已升级"), null=True, blank=True)
    next_action_at = models.DateTimeField(_("下次检查"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("SLA 计时")
        verbose_name_plural = _("SLA 计时")
        indexes = [
            models.Index(fields=["state", "due_resolution_at"], name="sla_clock_state_idx"),
            models.Index(fields=["breached_at"], name="sla_clock_breached_idx"),
            models.Index(fields=["reminded_at"], name="sla_clock_reminded_idx"),
            models.Index(fields=["due_resolution_at"], name="sla_clock_due_idx"),
            models.Index(fields=["next_action_at"], name="sla_clock_next_action_idx",
                         condition=Q(next_action_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"SLA {self.ticket_id}"


class SlaLedgerEntry(models.Model):
    """One line of why a deadline is what it is: start, pause, resume, breach, reminder, escalation."""

    class Kind(models.TextChoices):
        START = "start", _("开始计时")
        RECALCULATE = "recalculate", _("重新计算")
        PAUSE = "pause", _("暂停")
        RESUME = "resume", _("恢复")
        RESPONDED = "responded", _("已响应")
        REMINDER = "reminder", _("提醒")
        BREACH = "breach", _("超时")
        ESCALATION = "escalation", _("升级")
        STOP = "stop", _("停止计时")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_ledger",
                               verbose_name=_("工单"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=300)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("SLA 策略"))
    consumed_seconds = models.PositiveIntegerField(_("已用工作秒数"), default=0)
    due_response_at = models.DateTimeField(_("响应截止"), null=True, blank=True)
    due_resolution_at = models.DateTimeField(_("解决截止"), null=True, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("SLA 记录")
        verbose_name_plural = _("SLA 记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="sla_ledger_ticket_idx"),
            models.Index(fields=["kind", "at"], name="sla_ledger_kind_idx"),
            models.Index(fields=["at"], name="sla_ledger_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"


__all__ = ["CalendarDay", "SlaPolicy", "SlaClock", "SlaLedgerEntry"]
