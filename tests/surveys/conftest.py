from __future__ import annotations

import pytest

from tests.factories import TechnicianFactory, TicketFactory
from tickets.models import Ticket
from tickets.services import ticket_transition


def resolve(ticket: Ticket, *, technician=None, captured=None) -> Ticket:
    """Bring a ticket to in_progress with a technician (as the earlier steps would), then resolve it
    through the service so the real signal and receivers run."""
    technician = technician or TechnicianFactory()
    Ticket.objects.filter(pk=ticket.pk).update(status="in_progress", technician=technician,
                                               service_center=technician.center)
    ticket.refresh_from_db()
    return ticket_transition(ticket=ticket, transition="resolve", by=None, updates={"resolution": "更换尾插"})


@pytest.fixture
def resolved_ticket(db, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer__email="kehu@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        resolve(ticket)
    ticket.refresh_from_db()
    return ticket


def answer(*, invitation, answers: dict, now=None):
    """The customer's path: ask for the SMS code, verify it, answer with it (as the survey page does)."""
    from surveys.services import response_submit
    from tickets.models import OneTimeCode
    from tickets.otp import otp_send, otp_verify

    purpose = OneTimeCode.Purpose.SURVEY_ANSWER
    code = otp_send(ticket=invitation.ticket, purpose=purpose, now=now)
    otp_verify(ticket=invitation.ticket, purpose=purpose, code=code, now=now)
    return response_submit(invitation=invitation, answers=answers, otp_code=code, now=now)
