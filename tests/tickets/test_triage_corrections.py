"""Corrections: one click routes the ticket; only corrections two agents agree on teach the model."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests import factories
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.intake import selectors
from tickets.intake.selectors import training_samples_from_tickets
from tickets.intake.services import triage_correct
from tickets.models import Ticket, TicketEvent, TriageCorrection


@pytest.fixture
def second_agent(db):
    user = factories.UserFactory(username="agent2", is_staff=True)
    user.groups.add(Group.objects.get(name="客服"))
    return user


def test_one_agents_correction_routes_but_does_not_teach(taxonomy, agent):
    ticket = factories.TicketFactory(description="咔哒咔哒怪声一直响")
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.noise_vibration"], by=agent)
    ticket.refresh_from_db()
    assert ticket.fault_category.code == "washer.noise_vibration"
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.department == "hardware"
    assert training_samples_from_tickets() == []


def test_a_second_agent_confirming_makes_it_a_sample(taxonomy, agent, second_agent):
    ticket = factories.TicketFactory(description="咔哒咔哒怪声一直响")
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.noise_vibration"], by=agent)
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.noise_vibration"], by=agent)  # same agent again
    assert training_samples_from_tickets() == []
    ticket.refresh_from_db()
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.noise_vibration"], by=second_agent)
    assert training_samples_from_tickets() == [("咔哒咔哒怪声一直响", "washer.noise_vibration")]
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.triage_confirmed").exists()


def test_disagreeing_agents_teach_nothing_until_the_latest_is_confirmed(taxonomy, agent, second_agent):
    ticket = factories.TicketFactory(description="有水")
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.leaking"], by=agent)
    ticket.refresh_from_db()
    triage_correct(ticket=ticket, fault_category=taxonomy["washer.draining"], by=second_agent)
    assert training_samples_from_tickets() == []


def test_one_agent_brings_at_most_a_capped_number_per_leaf(taxonomy, agent, second_agent, monkeypatch):
    monkeypatch.setattr(selectors, "CORRECTIONS_PER_AGENT_AND_LEAF", 2)
    for i in range(4):
        ticket = factories.TicketFactory(description=f"怪声{i}")
        triage_correct(ticket=ticket, fault_category=taxonomy["fridge.noise"], by=agent)
        ticket.refresh_from_db()
        triage_correct(ticket=ticket, fault_category=taxonomy["fridge.noise"], by=second_agent)
    assert len(training_samples_from_tickets()) == 2


def test_recategorizing_a_triaged_ticket_reroutes_it(taxonomy, agent):
    ticket = factories.TicketFactory(description="屏幕碎了")
    triage_correct(ticket=ticket, fault_category=taxonomy["phone.display"], by=agent)
    ticket.refresh_from_db()
    triage_correct(ticket=ticket, fault_category=taxonomy["request.billing"], by=agent)
    ticket.refresh_from_db()
    assert ticket.fault_category.code == "request.billing"
    assert ticket.department == "billing"
    assert ticket.service_mode == "remote"
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.recategorized")
    assert event.payload["to"] == "request.billing"


def test_correction_needs_permission_and_a_leaf(taxonomy, technician, agent):
    ticket = factories.TicketFactory()
    with pytest.raises(PermissionDeniedError):
        triage_correct(ticket=ticket, fault_category=taxonomy["phone.display"], by=technician.user)
    with pytest.raises(ValidationFailed):
        triage_correct(ticket=ticket, fault_category=taxonomy["phone"], by=agent)
    assert not TriageCorrection.objects.exists()
