"""The SLA clock: policy matching, deadlines on the business calendar, pause/resume, the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests import factories
from tickets.models import SlaClock, SlaLedgerEntry, SlaPolicy, Ticket
from tickets.services import ticket_assign, ticket_transition, ticket_triage
from tickets.sla.selectors import sla_policy_for, urgency_colour
from tickets.sla.services import sla_clock_start

from .conftest import at

pytestmark = pytest.mark.django_db


def test_most_specific_policy_wins(screen):
    default = SlaPolicy.objects.create(name="默认", response_hours=8, resolution_hours=72)
    by_cat = SlaPolicy.objects.create(name="屏幕", fault_category=screen, response_hours=4, resolution_hours=24)
    by_cat_vip = SlaPolicy.objects.create(name="屏幕 VIP", fault_category=screen, customer_tier="vip",
                                          response_hours=2, resolution_hours=12)
    by_prio = SlaPolicy.objects.create(name="紧急", priority="urgent", response_hours=1, resolution_hours=8)
    assert sla_policy_for(fault_category_id=None, priority="normal", customer_tier="standard") == default
    assert sla_policy_for(fault_category_id=screen.pk, priority="normal", customer_tier="standard") == by_cat
    assert sla_policy_for(fault_category_id=screen.pk, priority="urgent", customer_tier="vip") == by_cat_vip
    # Category beats priority: a screen ticket marked urgent still follows the screen policy.
    assert sla_policy_for(fault_category_id=screen.pk, priority="urgent", customer_tier="standard") == by_cat
    assert sla_policy_for(fault_category_id=None, priority="urgent", customer_tier="standard") == by_prio
    by_cat.is_active = False
    by_cat.save()
    assert sla_policy_for(fault_category_id=screen.pk, priority="normal", customer_tier="standard") == default


def test_parent_category_policy_applies_to_children(screen):
    child = factories.FaultCategoryFactory(code="screen-crack", parent=screen)
    parent_policy = SlaPolicy.objects.create(name="屏幕类", fault_category=screen, response_hours=4,
                                             resolution_hours=24)
    assert sla_policy_for(fault_category_id=child.pk, priority="normal", customer_tier="standard") == parent_policy


def test_start_uses_policy_and_default_calendar(screen, screen_policy):
    # Monday 2024-03-04 10:00, default hours 09-18 every non-rest day: 24 business hours = 2 days 6 h.
    ticket = factories.TicketFactory(fault_category=screen, created_at=at(2024, 3, 4, 10))
    clock = sla_clock_start(ticket_id=ticket.pk)
    assert clock.policy == screen_policy
    assert clock.due_response_at == at(2024, 3, 4, 14)
    assert clock.due_resolution_at == at(2024, 3, 6, 16)
    ticket.refresh_from_db()
    assert ticket.due_resolution_at == clock.due_resolution_at
    assert ticket.due_response_at == clock.due_response_at
    entry = SlaLedgerEntry.objects.get(ticket=ticket)
    assert entry.kind == "start"
    assert "屏幕 24h" in entry.reason
    assert "24" in entry.reason
    # Idempotent.
    assert sla_clock_start(ticket_id=ticket.pk).pk == clock.pk
    assert SlaLedgerEntry.objects.filter(ticket=ticket).count() == 1


def test_default_targets_without_policy(db):
    ticket = factories.TicketFactory(created_at=at(2024, 3, 4, 9))
    clock = sla_clock_start(ticket_id=ticket.pk)
    assert clock.policy is None
    assert clock.response_hours == Decimal("4")
    assert clock.resolution_hours == Decimal("72")


def _flow_to_in_progress(ticket, screen, technician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=None, fault_category=screen)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, technician=technician, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="start", by=None)


def test_clock_follows_transitions_pause_resume_and_stop(screen, screen_policy, center,
                                                          django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    tech = factories.TechnicianFactory(center=center)
    ticket = factories.TicketFactory(created_at=at(2024, 3, 4, 9))
    with time_machine.travel(at(2024, 3, 4, 9), tick=False):
        sla_clock_start(ticket_id=ticket.pk)
    with time_machine.travel(at(2024, 3, 4, 10), tick=False):
        _flow_to_in_progress(ticket, screen, tech, django_capture_on_commit_callbacks)
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.policy == screen_policy  # re-matched at triage
    assert clock.center == center  # counts on the center's Mon-Fri hours after assignment
    assert clock.responded_at == at(2024, 3, 4, 10)
    # 24 h from Mon 09:00 on 9-h days: Mon 9 + Tue 9 + Wed 6 → Wed 15:00.
    assert clock.due_resolution_at == at(2024, 3, 6, 15)

    with time_machine.travel(at(2024, 3, 4, 12), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="wait_customer", by=None)
    clock.refresh_from_db()
    ticket.refresh_from_db()
    assert clock.state == "paused"
    assert clock.consumed_seconds == 3 * 3600
    assert clock.next_action_at is None
    assert ticket.due_resolution_at is None

    # Customer answers on Friday 10:00: 21 business hours remain → Mon 9 + Tue 4... counted from Fri 10.
    with time_machine.travel(at(2024, 3, 8, 10), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="resume", by=None)
    clock.refresh_from_db()
    ticket.refresh_from_db()
    # Fri 10-18 (8 h), Mon 9 h, Tue 4 h → Tue 2024-03-12 13:00.
    assert clock.state == "running"
    assert clock.due_resolution_at == at(2024, 3, 12, 13)
    assert ticket.due_resolution_at == clock.due_resolution_at

    with time_machine.travel(at(2024, 3, 11, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="resolve", by=None)
    clock.refresh_from_db()
    assert clock.state == "stopped"
    assert clock.next_action_at is None
    kinds = list(SlaLedgerEntry.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["start", "recalculate", "responded", "pause", "resume", "stop"]
    pause = SlaLedgerEntry.objects.get(ticket=ticket, kind="pause")
    assert "等待客户" in pause.reason
    stop = SlaLedgerEntry.objects.get(ticket=ticket, kind="stop")
    assert stop.data["met"] is True


def test_waiting_parts_pauses_too(screen, screen_policy, center, django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    tech = factories.TechnicianFactory(center=center)
    ticket = factories.TicketFactory(created_at=at(2024, 3, 4, 9))
    with time_machine.travel(at(2024, 3, 4, 9), tick=False):
        sla_clock_start(ticket_id=ticket.pk)
        _flow_to_in_progress(ticket, screen, tech, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_transition(ticket=ticket, transition="wait_parts", by=None)
    entry = SlaLedgerEntry.objects.filter(ticket=ticket, kind="pause").get()
    assert "等待备件" in entry.reason


def test_reopen_resumes_clock(screen, screen_policy, center, django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    tech = factories.TechnicianFactory(center=center)
    ticket = factories.TicketFactory(created_at=at(2024, 3, 4, 9))
    with time_machine.travel(at(2024, 3, 4, 9), tick=False):
        sla_clock_start(ticket_id=ticket.pk)
        _flow_to_in_progress(ticket, screen, tech, django_capture_on_commit_callbacks)
    with time_machine.travel(at(2024, 3, 4, 11), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="resolve", by=None)
    with time_machine.travel(at(2024, 3, 5, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, transition="reopen", by=None, message="又坏了")
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.state == "running"
    assert clock.consumed_seconds == 2 * 3600
    # 22 h left from Tue 09:00 → Tue 9, Wed 9, Thu 4 → Thu 13:00.
    assert clock.due_resolution_at == at(2024, 3, 7, 13)
    assert Ticket.objects.get(pk=ticket.pk).due_resolution_at == at(2024, 3, 7, 13)


def test_urgency_colour():
    now = at(2024, 3, 4, 9)
    assert urgency_colour(None, now=now) == "grey"
    assert urgency_colour(now - dt.timedelta(minutes=1), now=now) == "red"
    assert urgency_colour(now + dt.timedelta(hours=2), now=now) == "orange"
    assert urgency_colour(now + dt.timedelta(hours=20), now=now) == "green"


def test_replayed_reminder_reads_75_percent_not_75_percent_percent(db):
    """A text with no %-formatting applied must not double its percent sign."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import TicketFactory
    from tickets.models import Ticket
    from tickets.sla.services import sla_clock_replay

    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=60))
    ticket.refresh_from_db()
    _clock, entries, events = sla_clock_replay(ticket=ticket, steps=[], now=timezone.now())
    reasons = [e.reason for e in entries if e.kind == "reminder"] + [m for _at, kind, m, _p in events
                                                                      if kind == "sla.reminder"]
    assert reasons
    assert all("75%" in r and "75%%" not in r for r in reasons)
