"""Satisfaction surveys sent after a ticket is resolved, their answers, complaint follow-ups (回访)
and technician training alerts."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from tickets.fsm import ConcurrentTransitionMixin
from tickets.models import TimeStampedModel

QUESTION_KEYS = ("speed", "attitude", "result", "nps", "comment")


def _default_questions() -> list[dict]:
    return [
        {"key": "speed", "label": "维修速度", "type": "score", "min": 1, "max": 5},
        {"key": "attitude", "label": "服务态度", "type": "score", "min": 1, "max": 5},
        {"key": "result", "label": "维修效果", "type": "score", "min": 1, "max": 5},
        {"key": "nps", "label": "您向亲友推荐我们的可能性", "type": "nps", "min": 0, "max": 10},
        {"key": "comment", "label": "其他意见", "type": "text"},
    ]


class Survey(TimeStampedModel):
    """A survey template: the questions asked after a ticket is resolved."""

    name = models.CharField(_("名称"), max_length=80)
    questions = models.JSONField(_("问题"), default=_default_questions,
                                 help_text=_("可用问题：speed、attitude、result（1–5 分）、nps（0–10）、comment（文字）"))
    is_active = models.BooleanField(_("启用"), default=True)
    is_default = models.BooleanField(_("默认问卷"), default=False)
    product_categories = models.JSONField(_("适用品类"), default=list, blank=True,
                                          help_text=_("为空表示所有品类"))
    low_score_threshold = models.PositiveSmallIntegerField(_("低分阈值"), default=2,
                                                           help_text=_("任一 1–5 分题目不高于此分即安排回访"))
    low_nps_threshold = models.PositiveSmallIntegerField(_("低推荐阈值"), default=4,
                                                         help_text=_("推荐意愿不高于此分即安排回访"))

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")

    def __str__(self) -> str:
        return self.name


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(ConcurrentTransitionMixin, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        ANSWERED = "answered", _("已回答")
        EXPIRED = "expired", _("已过期")

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="survey_invitation",
                                  verbose_name=_("工单"))
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("问卷"))
    token = models.CharField(_("令牌"), max_length=64, unique=True, default=_new_token, editable=False)
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True,
                      db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调查邀请")
        verbose_name_plural = _("调查邀请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.status}"

    @transition(field=status, source=Status.PENDING, target=Status.SENT)
    def send(self) -> None:
        self.sent_at = timezone.now()

    @transition(field=status, source=[Status.PENDING, Status.SENT], target=Status.ANSWERED)
    def answer(self) -> None:
        self.answered_at = timezone.now()

    @transition(field=status, source=[Status.PENDING, Status.SENT], target=Status.EXPIRED)
    def expire(self) -> None:
        pass


class Response(TimeStampedModel):
    """One answer, attributed to who and what it is about so reports need no joins through the ticket."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response",
                                      verbose_name=_("邀请"))
    speed = models.PositiveSmallIntegerField(_("维修速度"), null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(_("服务态度"), null=True, blank=True)
    result = models.PositiveSmallIntegerField(_("维修效果"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("推荐意愿"), null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    answers = models.JSONField(_("全部回答"), default=dict, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="survey_responses",
                               verbose_name=_("工单"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="survey_responses", verbose_name=_("工程师"))
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="survey_responses", verbose_name=_("网点"))
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("故障分类"))
    product_model = models.ForeignKey("tickets.ProductModel", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("产品型号"))
    is_complaint = models.BooleanField(_("投诉"), default=False, db_index=True)
    is_low_score = models.BooleanField(_("低分"), default=False, db_index=True)
    complaint_terms = models.JSONField(_("识别到的投诉用语"), default=list, blank=True)

    class Meta:
        verbose_name = _("调查回答")
        verbose_name_plural = _("调查回答")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["technician", "created_at"], name="response_tech_time_idx"),
            models.Index(fields=["center", "created_at"], name="response_center_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(speed__isnull=True) | Q(speed__gte=1, speed__lte=5))
                & (Q(attitude__isnull=True) | Q(attitude__gte=1, attitude__lte=5))
                & (Q(result__isnull=True) | Q(result__gte=1, result__lte=5))
                & (Q(nps__isnull=True) | Q(nps__lte=10)),
                name="response_scores_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: NPS {self.nps}"


class FollowUp(ConcurrentTransitionMixin, TimeStampedModel):
    """回访: the center manager calls back a dissatisfied customer within its own SLA."""

    class Status(models.TextChoices):
        OPEN = "open", _("待回访")
        CONTACTED = "contacted", _("已联系")
        CLOSED = "closed", _("已完成")

    class Reason(models.TextChoices):
        LOW_SCORE = "low_score", _("低分")
        COMPLAINT = "complaint", _("投诉")
        INTAKE_COMPLAINT = "intake", _("来电/来信投诉")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("问题已解决")
        EXPLAINED = "explained", _("已解释，客户认可")
        COMPENSATED = "compensated", _("已补偿")
        REPAIR_AGAIN = "repair_again", _("安排再次维修")
        UNREACHABLE = "unreachable", _("无法联系客户")
        UNRESOLVED = "unresolved", _("客户仍不满意")

    # Empty for a complaint the customer filed as a request (triaged as a service complaint) rather
    # than through a survey answer.
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="follow_up", null=True,
                                    blank=True, verbose_name=_("调查回答"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="survey_follow_ups",
                               verbose_name=_("工单"))
    center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="survey_follow_ups", verbose_name=_("网点"))
    technician = models.ForeignKey("repairs.Technician", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="survey_follow_ups", verbose_name=_("工程师"))
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, protected=True,
                      db_index=True)
    due_at = models.DateTimeField(_("回访截止"), db_index=True)
    contacted_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("回访结果"), max_length=14, choices=Outcome.choices, blank=True)
    note = models.TextField(_("回访记录"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("回访人"))

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_at"]
        permissions = [("handle_followup", _("可处理回访"))]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(outcome=""), name="followup_closed_has_outcome"),
            models.UniqueConstraint(fields=["ticket"], condition=Q(reason="intake"),
                                    name="followup_one_intake_complaint_per_ticket"),
        ]
        indexes = [
            models.Index(fields=["reason"], name="followup_reason_idx"),
            models.Index(fields=["outcome"], name="followup_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_reason_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.CLOSED and self.due_at < timezone.now()

    @transition(field=status, source=Status.OPEN, target=Status.CONTACTED)
    def contact(self) -> None:
        self.contacted_at = timezone.now()

    @transition(field=status, source=[Status.OPEN, Status.CONTACTED], target=Status.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()
        if self.contacted_at is None:
            self.contacted_at = self.closed_at


class TechnicianAlert(TimeStampedModel):
    """Raised when a technician collects too many complaints in a window: schedule training."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已安排培训")

    technician = models.ForeignKey("repairs.Technician", on_delete=models.CASCADE, related_name="training_alerts",
                                   verbose_name=_("工程师"))
    complaint_count = models.PositiveSmallIntegerField(_("投诉数"))
    window_days = models.PositiveSmallIntegerField(_("统计天数"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("处理人"))
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("培训预警")
        verbose_name_plural = _("培训预警")
        ordering = ["-created_at"]
        constraints = [
            # At most one open alert per technician: new complaints update it rather than pile up.
            models.UniqueConstraint(fields=["technician"], condition=Q(status="open"),
                                    name="one_open_alert_per_technician"),
        ]

    def __str__(self) -> str:
        return f"{self.technician_id}: {self.complaint_count}"
