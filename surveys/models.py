"""Satisfaction surveys sent after a ticket is resolved, and their answers."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from tickets.models import TimeStampedModel


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
    questions = models.JSONField(_("问题"), default=_default_questions)
    is_active = models.BooleanField(_("启用"), default=True)
    is_default = models.BooleanField(_("默认问卷"), default=False)

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

    class Meta:
        verbose_name = _("调查回答")
        verbose_name_plural = _("调查回答")
        ordering = ["-created_at"]
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
