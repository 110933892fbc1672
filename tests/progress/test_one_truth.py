"""The progress page tells one truth: one promised time (the SLA's), wording of the service mode, the
live page hears of the survey, and the 三包 card says who decided."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.progress.helpers import advance, assign_to
from tickets.models import SlaClock, Ticket, TicketEvent
from tickets.sla.services import sla_clock_start

pytestmark = pytest.mark.django_db


def _history(fault, days: int) -> None:
    """Resolved tickets of the same category that took ``days`` each (what the old guess used)."""
    for _n in range(6):
        old = factories.TicketFactory(fault_category=fault)
        created = timezone.now() - dt.timedelta(days=days + 5)
        Ticket.objects.filter(pk=old.pk).update(status=Ticket.Status.RESOLVED, created_at=created,
                                                resolved_at=created + dt.timedelta(days=days))


def test_the_promised_time_is_the_slas_resolution_deadline(client, ticket, fault):
    _history(fault, days=25)
    clock = sla_clock_start(ticket_id=ticket.pk)
    assert clock is not None
    clock = SlaClock.objects.get(ticket=ticket)
    html = client.get(ticket.get_tracking_url()).content.decode()
    due = timezone.localtime(clock.due_resolution_at).strftime("%Y-%m-%d %H:%M")
    assert f'id="expected-at">{due}<' in html
    assert "约 25 天" not in html


@pytest.mark.parametrize(("mode", "says", "never"), [
    ("on_site", "请当面验机并签收", "取机"),
    ("mail_in", "将尽快寄回", "取机"),
    ("walk_in", "取机", "寄回"),
])
def test_ready_is_worded_for_the_service_mode(client, tech, fault, mode, says, never):
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer, fault_category=fault, service_mode=mode)
    assign_to(ticket, tech)
    advance(ticket, "start", "submit_qc", "pass_qc")
    html = client.get(ticket.get_tracking_url()).content.decode()
    assert says in html
    assert never not in html


def test_the_survey_invitation_is_a_visible_event_that_reaches_the_open_page(client, django_capture_on_commit_callbacks,
                                                                          monkeypatch, tech, fault):
    import tickets.realtime as realtime
    from surveys.services import invitation_create, invitation_send

    pushed = []
    monkeypatch.setattr(realtime, "broadcast_ticket_event", lambda ticket_id, payload: pushed.append(payload))
    ticket = factories.TicketFactory(fault_category=fault, service_mode="walk_in")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation=invitation_create(ticket=ticket))
    assert [p["event"]["kind"] for p in pushed] == ["survey.sent"]
    assert TicketEvent.objects.get(ticket=ticket, kind="survey.sent").customer_visible is True
    state = client.get(f"/t/{ticket.tracking_token}/state.json").json()
    assert 'id="survey-link"' in state["html"]
