"""Demo survey answers for ``manage.py seed_demo``: most resolved/closed demo tickets get a realistic
answer (a few low scores and complaints), so the CSAT/NPS report and the follow-up queue have data.
Idempotent: only invitations that are still open are answered; tickets resolved without an
invitation (seeded before this app's receiver ran) get one first."""

from __future__ import annotations

import random

from tickets.models import Ticket

from . import services
from .models import Invitation

COMMENTS_GOOD = ["师傅很专业，修得很快", "服务态度很好，点赞", "比预期快，谢谢", "", "整体满意", "工程师很耐心，讲解清楚"]
COMMENTS_MEH = ["等了好几天才修好", "价格有点贵", "还行吧，就是预约不太方便", ""]
COMMENTS_BAD = ["师傅态度差，爱答不理，我要投诉", "修了两次还是没修好，太失望了", "乱收费，说好的保修还收钱，投诉",
                "上门迟到两个小时也不打电话，再也不会买你们的产品"]


def seed(*, stdout) -> None:
    rng = random.Random(99)
    for ticket in Ticket.objects.filter(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
                                        survey_invitation__isnull=True):
        services.invitation_send(invitation=services.invitation_create(ticket=ticket))
    answered = 0
    for invitation in Invitation.objects.filter(status=Invitation.Status.SENT).order_by("pk"):
        roll = rng.random()
        if roll < 0.25:
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
        services.response_submit(invitation=invitation, answers=answers)
        answered += 1
    stdout.write(f"  surveys: {answered} demo answers, {Invitation.objects.count()} invitations")
