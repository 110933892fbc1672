"""Models of the dispatch feature (see tickets/models/__init__.py): who works a ticket and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Ticket


class TicketAssignment(models.Model):
    """A technician on a ticket, as lead or helper, with the score that chose them.

    ``breakdown`` keeps each scoring factor (distance, load, skill, tier, rating) with its raw value
    and weighted points, so the dispatcher sees why this technician. Active statuses count against
    the technician's capacity.
    """

    class Role(models.TextChoices):
        LEAD = "lead", _("主修")
        HELPER = "helper", _("协助")

    class Status(models.TextChoices):
        OFFERED = "offered", _("待接单")
        ACCEPTED = "accepted", _("已接单")
        DECLINED = "declined", _("已拒单")
        RELEASED = "released", _("已撤回")
        DONE = "done", _("已完成")

    ACTIVE_STATUSES = [Status.OFFERED, Status.ACCEPTED]

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="assignments",
                               verbose_name=_("工单"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.PROTECT, related_name="assignments",
                                   verbose_name=_("工程师"))
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.LEAD)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OFFERED,
                              db_index=True)
    score = models.FloatField(_("综合得分"), null=True, blank=True)
    breakdown = models.JSONField(_("评分明细"), default=dict, blank=True)
    auto = models.BooleanField(_("自动派工"), default=False)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("派工人"))
    created_at = models.DateTimeField(_("派工时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("接单/拒单时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("派工记录")
        verbose_name_plural = _("派工记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["role"], name="assignment_role_idx"),
            models.Index(fields=["auto"], name="assignment_auto_idx"),
            models.Index(fields=["created_at"], name="assignment_created_idx"),
            models.Index(fields=["technician", "status"], name="assignment_tech_status_idx"),
            models.Index(fields=["ticket", "status"], name="assignment_ticket_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(role="lead", status__in=["offered", "accepted"]),
                                    name="one_active_lead_per_ticket"),
            models.UniqueConstraint(fields=["ticket", "technician"], condition=Q(status__in=["offered", "accepted"]),
                                    name="one_active_assignment_per_technician"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.technician_id} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class DispatchQueueTicket(Ticket):
    """The dispatcher's view of tickets waiting for a technician (admin changelist, repairs.dispatch)."""

    class Meta:
        proxy = True
        verbose_name = _("派工队列")
        verbose_name_plural = _("派工队列")


__all__ = ["TicketAssignment", "DispatchQueueTicket"]
