from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django_q.models import Schedule

from surveys import demo, tasks
from surveys.models import Invitation, Response
from tests.factories import TicketFactory, UserFactory
from tests.surveys.conftest import resolve
from tickets.models import Ticket


def test_demo_answers_are_idempotent(db, django_capture_on_commit_callbacks):
    UserFactory(username="admin", is_staff=True, is_superuser=True)  # the demo's users come first
    for _i in range(6):
        ticket = TicketFactory()
        with django_capture_on_commit_callbacks(execute=True):
            resolve(ticket)
    demo.seed(stdout=io.StringIO())
    answered = Response.objects.count()
    assert answered > 0
    demo.seed(stdout=io.StringIO())
    assert Response.objects.count() >= answered
    assert Response.objects.values("invitation").distinct().count() == Response.objects.count()


def test_sweep_schedule_exists_and_task_runs(resolved_ticket):
    assert Schedule.objects.filter(name="surveys.sweep", func="surveys.tasks.surveys_sweep_task").exists()
    assert tasks.surveys_sweep_task() == {"expired": 0, "closed": 0}
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    assert tasks.invitation_remind_task(invitation.pk) is True
    assert tasks.invitation_remind_task(invitation.pk) is False
    Ticket.objects.filter(pk=resolved_ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    assert tasks.ticket_autoclose_task(resolved_ticket.pk) is True
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.invitation_expire_task(invitation.pk) is True
