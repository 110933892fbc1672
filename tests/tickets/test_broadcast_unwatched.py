"""A ticket's live page and job socket can join only once the ticket is committed, and they read its
whole state when they do: the events written while the ticket is being created are not pushed (a
push to a group nobody can have joined costs the intake two Redis round trips for nothing), the
events of its later steps are."""

from __future__ import annotations

import pytest

from tests import factories
from tickets.services import ticket_event_add

pytestmark = pytest.mark.django_db


def test_only_events_after_the_creating_transaction_are_pushed(monkeypatch, django_capture_on_commit_callbacks):
    import tickets.realtime as realtime

    pushed = []
    monkeypatch.setattr(realtime, "broadcast_ticket_event",
                        lambda ticket_id, payload: pushed.append((ticket_id, payload["event"]["kind"])))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.TicketFactory()
    assert ticket.events.filter(kind="ticket.created", customer_visible=True).exists()
    assert pushed == []

    with django_capture_on_commit_callbacks(execute=True):
        ticket_event_add(ticket=ticket, kind="ticket.customer_message", message="补充：开机后黑屏",
                         customer_visible=True)
    assert pushed == [(ticket.pk, "ticket.customer_message")]
