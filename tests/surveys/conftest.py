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
