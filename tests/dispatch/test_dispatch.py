"""Dispatch: candidates, scoring with a stored breakdown, auto-dispatch after a confident triage,
decline and off-duty re-dispatch, escalation without candidates, team dispatch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from repairs.dispatch.selectors import centers_for_place, dispatch_candidates
from repairs.dispatch.services import (
    assignment_accept,
    assignment_add_helper,
    assignment_decline,
    dispatch_auto,
    dispatch_to,
    technician_set_duty,
)
from tests import factories
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.models import OutboxMessage, Ticket, TicketAssignment, TicketEvent
from tickets.services import ticket_transition, ticket_triage

from .conftest import make_tech

pytestmark = pytest.mark.django_db


def test_centers_for_place_by_coverage_code_and_radius(shanghai, beijing):
    kunshan = factories.ServiceCenterFactory(code="KS1", province="江苏省", city="苏州市", latitude=Decimal("31.385"),
                                             longitude=Decimal("120.981"), service_radius_km=60)
    hangzhou = factories.ServiceCenterFactory(code="HZ1", province="浙江省", city="杭州市", latitude=Decimal("30.274"),
                                              longitude=Decimal("120.155"), service_radius_km=10,
                                              coverage_codes=["330100", "310000"], product_categories=["tv"])
    served = centers_for_place(codes={"310000", "310104"}, latitude=31.23, longitude=121.47, product_category="phone")
    # Shanghai by its own city, Kunshan by its radius; Hangzhou lists Shanghai but serves only TVs
    assert [(m.center, m.covers) for m in served] == [(shanghai, "area"), (kunshan, "radius")]
    assert [m.center for m in centers_for_place(codes={"310000"}, latitude=None, longitude=None,
                                                product_category="tv")] == [hangzhou, shanghai]


def test_candidates_filter_and_score(shanghai, beijing, ticket_factory):
    best = make_tech(shanghai, level=4, rating=Decimal("4.9"), skills=["screen"])
    junior = make_tech(shanghai, level=1, rating=Decimal("3.5"), skills=["screen"])
    make_tech(beijing, level=4, skills=["screen"])  # wrong area
    make_tech(shanghai, level=4, skills=["screen"], on_duty=False)  # off duty
    make_tech(shanghai, level=4, skills=["battery"])  # lacks the skill
    make_tech(shanghai, level=4, skills=["screen"], product_categories=["tv"])  # wrong product line
    full = make_tech(shanghai, level=4, skills=["screen"], capacity=1)
    other = ticket_factory()
    TicketAssignment.objects.create(ticket=other, technician=full)

    ticket = ticket_factory()
    candidates = dispatch_candidates(ticket=ticket)
    assert [c.technician_id for c in candidates] == [best.pk, junior.pk]
    top = candidates[0].breakdown
    assert top["distance"]["from"] == "center"
    assert 4 < top["distance"]["km"] < 6
    assert top["load"] == {"open": 0, "capacity": 6, "points": 25.0}
    assert top["total"] == candidates[0].score
    assert candidates[0].score > candidates[1].score


def test_fresh_last_location_and_load_change_the_ranking(shanghai, ticket_factory):
    near = make_tech(shanghai, level=2, skills=["screen"], last_latitude=Decimal("31.2301"),
                     last_longitude=Decimal("121.4701"), last_seen_at=timezone.now())
    busy = make_tech(shanghai, level=2, skills=["screen"], capacity=2)
    TicketAssignment.objects.create(ticket=ticket_factory(), technician=busy)
    ticket = ticket_factory()
    [first, second] = dispatch_candidates(ticket=ticket)
    assert first.technician_id == near.pk
    assert first.breakdown["distance"]["from"] == "last_location"
    assert first.breakdown["distance"]["km"] < 0.1
    assert second.breakdown["load"]["open"] == 1


def test_vip_customers_favour_senior_technicians(shanghai, ticket_factory):
    senior = make_tech(shanghai, level=4, rating=Decimal("4.9"), skills=["screen"], capacity=3)
    junior = make_tech(shanghai, level=1, rating=Decimal("3.0"), skills=["screen"], capacity=3)
    vip = factories.CustomerFactory(tier="vip", latitude=Decimal("31.23"), longitude=Decimal("121.47"))
    standard = ticket_factory()
    vip_ticket = ticket_factory(customer=vip)
    s_scores = {c.technician_id: c for c in dispatch_candidates(ticket=standard)}
    v_scores = {c.technician_id: c for c in dispatch_candidates(ticket=vip_ticket)}
    assert v_scores[senior.pk].breakdown["tier"]["points"] > s_scores[senior.pk].breakdown["tier"]["points"]
    assert v_scores[junior.pk].breakdown["tier"]["points"] < s_scores[junior.pk].breakdown["tier"]["points"]


def test_dispatch_auto_assigns_best_and_stores_breakdown(shanghai, ticket_factory):
    best = make_tech(shanghai, level=4, skills=["screen"])
    make_tech(shanghai, level=1, skills=["screen"])
    ticket = ticket_factory()
    assignment = dispatch_auto(ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED
    assert ticket.technician == best
    assert ticket.service_center == shanghai
    assert assignment.technician == best
    assert assignment.auto is True
    assert assignment.breakdown["total"] == assignment.score
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.assigned")
    assert event.customer_visible
    assert event.payload["assignment_id"] == assignment.pk
    assert "分" in event.payload["why"]


def test_confident_triage_auto_dispatches(shanghai, screen, phone_model, agent, django_capture_on_commit_callbacks):
    tech = make_tech(shanghai, skills=["screen"])
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer, product_model=phone_model)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=agent, fault_category=screen)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED
    assert ticket.technician == tech


def test_unconfident_system_triage_waits_in_queue(shanghai, screen, phone_model, django_capture_on_commit_callbacks,
                                                  settings):
    settings.TRIAGE_MIN_CONFIDENCE = 0.8
    make_tech(shanghai, skills=["screen"])
    ticket = factories.TicketFactory(product_model=phone_model)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=None, fault_category=screen, prediction_confidence=0.5)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    ticket2 = factories.TicketFactory(product_model=phone_model)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket2, by=None, fault_category=screen, prediction_confidence=0.95)
    ticket2.refresh_from_db()
    assert ticket2.status == Ticket.Status.ASSIGNED


def test_decline_redispatches_then_escalates_and_releases(shanghai, ticket_factory):
    manager = factories.UserFactory(username="sh-manager", email="mgr@example.com", is_staff=True)
    shanghai.managers.add(manager)
    first = make_tech(shanghai, level=4, skills=["screen"])
    second = make_tech(shanghai, level=2, skills=["screen"])
    ticket = ticket_factory()
    a1 = dispatch_auto(ticket=ticket)
    assert a1.technician == first
    with pytest.raises(ValidationFailed):
        assignment_decline(assignment=a1, by=first.user, reason="  ")
    assignment_decline(assignment=a1, by=first.user, reason="今天在外地")
    ticket.refresh_from_db()
    assert ticket.technician == second
    a2 = TicketAssignment.objects.get(ticket=ticket, status="offered")
    assert a2.technician == second
    assert TicketAssignment.objects.get(pk=a1.pk).status == "declined"

    assignment_decline(assignment=a2, by=second.user, reason="设备不熟")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED  # released back to the queue
    assert ticket.technician is None
    assert TicketEvent.objects.filter(ticket=ticket, kind="dispatch.escalated").count() == 1
    msg = OutboxMessage.objects.get(event="dispatch.escalation")
    assert msg.user == manager
    assert msg.to_address == "mgr@example.com"
    assert not TicketAssignment.objects.filter(ticket=ticket, status__in=["offered", "accepted"]).exists()


def test_no_candidate_at_all_escalates_to_dispatchers(ticket_factory, dispatcher):
    dispatcher.email = "d@example.com"
    dispatcher.save()
    ticket = ticket_factory()
    assert dispatch_auto(ticket=ticket) is None
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert OutboxMessage.objects.filter(event="dispatch.escalation", user=dispatcher).exists()


def test_accept_only_by_the_assigned_technician(shanghai, ticket_factory):
    tech = make_tech(shanghai, skills=["screen"])
    intruder = make_tech(shanghai, skills=["battery"])
    assignment = dispatch_auto(ticket=ticket_factory())
    with pytest.raises(PermissionDeniedError):
        assignment_accept(assignment=assignment, by=intruder.user)
    assignment = assignment_accept(assignment=assignment, by=tech.user)
    assert assignment.status == "accepted"
    assert assignment.decided_at is not None


def test_going_off_duty_redispatches_waiting_tickets(shanghai, ticket_factory, manager):
    leaving = make_tech(shanghai, level=4, skills=["screen"])
    staying = make_tech(shanghai, level=1, skills=["screen"])
    leaving.center.managers.add(manager)  # a manager changes the duty of their own centre's technicians
    waiting = ticket_factory()
    started = ticket_factory()
    dispatch_auto(ticket=waiting)
    dispatch_auto(ticket=started)
    ticket_transition(ticket=Ticket.objects.get(pk=started.pk), transition="start", by=None)
    technician_set_duty(technician=leaving, on_duty=False, by=manager)
    waiting.refresh_from_db()
    started.refresh_from_db()
    assert waiting.technician == staying
    assert started.technician == leaving  # work already started stays with the technician
    assert TicketEvent.objects.filter(ticket=waiting, kind="dispatch.off_duty").exists()
    leaving.refresh_from_db()
    assert leaving.on_duty is False


def test_set_duty_permission(shanghai):
    tech = make_tech(shanghai)
    other = make_tech(shanghai)
    with pytest.raises(PermissionDeniedError):
        technician_set_duty(technician=tech, on_duty=False, by=other.user)
    technician_set_duty(technician=tech, on_duty=False, by=tech.user)


def test_team_dispatch_helpers(shanghai, ticket_factory, dispatcher):
    lead = make_tech(shanghai, level=4, skills=["screen"])
    helper = make_tech(shanghai, level=1, skills=["battery"])
    ticket = ticket_factory()
    with pytest.raises(ValidationFailed):
        assignment_add_helper(ticket=ticket, technician=helper, by=dispatcher)  # no lead yet
    dispatch_to(ticket=ticket, technician=lead, by=dispatcher)
    added = assignment_add_helper(ticket=ticket, technician=helper, by=dispatcher)
    assert added.role == "helper"
    with pytest.raises(ValidationFailed):
        assignment_add_helper(ticket=ticket, technician=helper, by=dispatcher)
    with pytest.raises(ValidationFailed):
        assignment_add_helper(ticket=ticket, technician=lead, by=dispatcher)
    roles = dict(TicketAssignment.objects.filter(ticket=ticket).values_list("technician_id", "role"))
    assert roles == {lead.pk: "lead", helper.pk: "helper"}


def test_manual_dispatch_checks_capacity_and_permission(shanghai, ticket_factory, dispatcher, agent):
    tech = make_tech(shanghai, skills=["battery"], capacity=1)  # not a scored candidate: lacks the skill
    ticket = ticket_factory()
    with pytest.raises(PermissionDeniedError):
        dispatch_to(ticket=ticket, technician=tech, by=agent)
    with pytest.raises(ValidationFailed, match="缺少所需技能"):
        dispatch_to(ticket=ticket, technician=tech, by=dispatcher)  # off the list: a reason is required
    assignment = dispatch_to(ticket=ticket, technician=tech, by=dispatcher, reason="客户点名要他")
    assert assignment.breakdown["override"] is True
    assert assignment.breakdown["miss"] == "skill"
    with pytest.raises(ValidationFailed, match="已达同时处理上限"):
        dispatch_to(ticket=ticket_factory(), technician=tech, by=None)  # the system never overloads anyone


def test_resolving_frees_capacity(shanghai, ticket_factory, django_capture_on_commit_callbacks):
    tech = make_tech(shanghai, skills=["screen"], capacity=1)
    ticket = ticket_factory()
    dispatch_auto(ticket=ticket)
    assert dispatch_candidates(ticket=ticket_factory()) == []
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket_transition(ticket=ticket, transition="start", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="resolve", by=None)
    assert TicketAssignment.objects.get(ticket=ticket).status == "done"
    assert [c.technician_id for c in dispatch_candidates(ticket=ticket_factory())] == [tech.pk]


def test_stale_location_falls_back_to_center(shanghai, ticket_factory):
    make_tech(shanghai, skills=["screen"], last_latitude=Decimal("39.9"), last_longitude=Decimal("116.4"),
              last_seen_at=timezone.now() - dt.timedelta(days=2))
    [c] = dispatch_candidates(ticket=ticket_factory())
    assert c.breakdown["distance"]["from"] == "center"
