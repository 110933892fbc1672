"""Demo survey answers for ``manage.py seed_demo``: most resolved/closed demo tickets get a realistic
answer (a few low scores and complaints), so the CSAT/NPS report and the follow-up queue have data.

The invitations belong to the demo's past: they are written as already sent when the ticket was
resolved (with their timeline event and their message marked sent), so no SMS, reminder or expiry job
is queued for them. Idempotent: tickets that have an invitation are left alone."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tickets.demo import sent_milestone_messages
from tickets.models import OutboxMessage, Ticket, TicketEvent

from . import conf, services
from .models import Invitation

COMMENTS_GOOD = ["师傅很专业，修得很快", "服务态度很好，点赞", "比预期快，谢谢", "", "整体满意", "工程师很耐心，讲解清楚"]
COMMENTS_MEH = ["等了好几天才修好", "价格有点贵", "还行吧，就是预约不太方便", ""]
COMMENTS_BAD = ["师傅态度差，爱答不理，我要投诉", "修了两次还是没修好，太失望了", "乱收费，说好的保修还收钱，投诉",
                "上门迟到两个小时也不打电话，再也不会买你们的产品"]


def _invite_past(tickets: list[Ticket], now: dt.datetime) -> list[Invitation]:
    invitations, events = [], []
    for ticket in tickets:
        sent_at = min(ticket.resolved_at + dt.timedelta(hours=1), now)
        expires_at = sent_at + conf.expiry()
        invitation = Invitation(ticket=ticket, survey=services.survey_for_ticket(ticket=ticket), sent_at=sent_at,
                                expires_at=expires_at, status=Invitation.Status.SENT,
                                created_at=sent_at)
        if sent_at + conf.reminder_delay() <= now:
            invitation.reminded_at = sent_at + conf.reminder_delay()  # the reminder, too, is in the past
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations, batch_size=500)
    for invitation in invitations:
        events.append(TicketEvent(
            ticket=invitation.ticket, kind="survey.sent", message="已发送满意度调查邀请", customer_visible=True,
            created_at=invitation.sent_at,
            payload={"invitation_id": invitation.pk, "days": conf.expiry().days,
                     "survey_path": f"/s/{services.invitation_signed_token(invitation=invitation)}/"}))
    TicketEvent.objects.bulk_create(events, batch_size=500)
    OutboxMessage.objects.bulk_create(sent_milestone_messages(tickets, events), batch_size=500)
    return invitations


def seed(*, stdout) -> None:
    rng = random.Random(99)
    now = timezone.now()
    tickets = list(Ticket.objects.filter(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
                                         resolved_at__isnull=False, survey_invitation__isnull=True)
                   .select_related("customer", "technician", "device__product_model", "product_model")
                   .order_by("pk"))
    with transaction.atomic():
        _invite_past(tickets, now)
    answered = 0
    # Demo customers answer the follow-up call: the answers are recorded by the demo's administrator.
    recorder = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if recorder is None:
        stdout.write("  surveys: no administrator to record demo answers; none recorded")
        return
    # every sent, unanswered invitation (the demo's own and those sent when a ticket was resolved)
    for invitation in Invitation.objects.filter(status=Invitation.Status.SENT, response__isnull=True).order_by("pk"):
        roll = rng.random()
        if roll < 0.25 or invitation.expires_at <= now:
            continue  # not every customer answers
        if roll < 0.85:
            answers = {"speed": rng.choice([4, 5, 5]), "attitude": rng.choice([4, 5, 5]), "result": 5,
                       "nps": rng.choice([8, 9, 10, 10]), "comment": rng.choice(COMMENTS_GOOD)}
        elif roll < 0.93:
            answers = {"speed": rng.choice([2, 3]), "attitude": 3, "result": rng.choice([3, 4]),
                       "nps": rng.choice([5, 6, 7]), "comment": rng.choice(COMMENTS_MEH)}
        else:
            answers = {"speed": rng.choice([1, 2]), "attitude": rng.choice([1, 2]), "result": rng.choice([1, 3]),
                       "nps": rng.choice([0, 2, 3]), "comment": rng.choice(COMMENTS_BAD)}
        services.response_submit(invitation=invitation, answers=answers, by=recorder)
        answered += 1
    expired = Invitation.objects.filter(status=Invitation.Status.SENT, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED)
    stdout.write(f"  surveys: {answered} demo answers, {expired} expired unanswered, "
                 f"{Invitation.objects.count()} invitations")
