"""The SLA sweep: reminder at 75 % to the assignee, escalation at breach to the center manager,
each exactly once, also with two workers sweeping at the same time (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests import factories
from tickets.models import OutboxMessage, SlaClock, SlaLedgerEntry, TicketEvent
from tickets.services import ticket_assign, ticket_triage
from tickets.sla.services import sla_clock_start, sla_due_clocks, sla_sweep

from .conftest import at


def _assigned_ticket(screen, center, manager_user, django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    center.managers.add(manager_user)
    tech = factories.TechnicianFactory(center=center, phone="13800000001")
    tech.user.email = "tech@example.com"
    tech.user.save()
    ticket = factories.TicketFactory(created_at=at(2024, 3, 4, 9))
    import time_machine

    with time_machine.travel(at(2024, 3, 4, 9), tick=False):
        sla_clock_start(ticket_id=ticket.pk)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_triage(ticket=ticket, by=None, fault_category=screen)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_assign(ticket=ticket, technician=tech, by=None)
    return ticket, tech


@pytest.fixture
def manager_user(db):
    return factories.UserFactory(username="center-manager", email="boss@example.com", is_staff=True)


@pytest.mark.django_db
def test_reminder_then_escalation_once_each(screen, screen_policy, center, manager_user,
                                            django_capture_on_commit_callbacks, settings):
    ticket, tech = _assigned_ticket(screen, center, manager_user, django_capture_on_commit_callbacks, settings)
    clock = SlaClock.objects.get(ticket=ticket)
    # 24 business hours on Mon-Fri 09-18 from Mon 09:00: 75 % = 18 h → Tue 18:00; breach Wed 15:00.
    assert clock.remind_at == at(2024, 3, 5, 18)
    assert clock.due_resolution_at == at(2024, 3, 6, 15)

    assert sla_sweep(now=at(2024, 3, 5, 17)) == {"reminders": 0, "response_breaches": 0, "breaches": 0}
    with django_capture_on_commit_callbacks(execute=True):
        counts = sla_sweep(now=at(2024, 3, 6, 9, 5))
    assert counts["reminders"] == 1
    assert sla_sweep(now=at(2024, 3, 6, 9, 6))["reminders"] == 0
    reminder_msgs = OutboxMessage.objects.filter(event="sla.reminder")
    assert {m.to_address for m in reminder_msgs} == {"tech@example.com", "13800000001"}
    assert all(m.status == "sent" for m in reminder_msgs)  # delivered by django-q2 in sync mode
    assert "75%" in SlaLedgerEntry.objects.get(ticket=ticket, kind="reminder").reason

    with django_capture_on_commit_callbacks(execute=True):
        counts = sla_sweep(now=at(2024, 3, 6, 15, 1))
    assert counts["breaches"] == 1
    assert sla_sweep(now=at(2024, 3, 7, 15))["breaches"] == 0
    escalation = OutboxMessage.objects.get(event="sla.escalation")
    assert escalation.user == manager_user
    assert escalation.to_address == "boss@example.com"
    kinds = list(SlaLedgerEntry.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count("breach") == 1
    assert kinds.count("escalation") == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla.escalated").count() == 1
    clock.refresh_from_db()
    assert clock.next_action_at is None


@pytest.mark.django_db
def test_response_breach_escalates_unassigned_ticket_to_dispatchers(screen, screen_policy, dispatcher):
    dispatcher.email = "dispatch@example.com"
    dispatcher.save()
    ticket = factories.TicketFactory(fault_category=screen, created_at=at(2024, 3, 4, 9))
    sla_clock_start(ticket_id=ticket.pk)
    counts = sla_sweep(now=at(2024, 3, 4, 13, 30))
    assert counts["response_breaches"] == 1
    assert OutboxMessage.objects.filter(event="sla.escalation", user=dispatcher).count() == 1
    breach = SlaLedgerEntry.objects.get(ticket=ticket, kind="breach")
    assert "首次响应超时" in breach.reason


@pytest.mark.django_db
def test_paused_clock_is_not_swept(screen, screen_policy):
    ticket = factories.TicketFactory(fault_category=screen, created_at=at(2024, 3, 4, 9))
    sla_clock_start(ticket_id=ticket.pk)
    SlaClock.objects.filter(ticket=ticket).update(state="paused", next_action_at=None)
    assert sla_sweep(now=at(2024, 4, 1, 9)) == {"reminders": 0, "response_breaches": 0, "breaches": 0}


@pytest.mark.django_db
def test_sweep_selection_is_one_query(screen, screen_policy, django_assert_num_queries):
    for _ in range(3):
        ticket = factories.TicketFactory(fault_category=screen, created_at=at(2024, 3, 4, 9))
        sla_clock_start(ticket_id=ticket.pk)
    with django_assert_num_queries(1):
        assert len(list(sla_due_clocks(now=at(2024, 3, 4, 9, 30), limit=100))) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_remind_twice(screen, screen_policy, settings):
    settings.DISPATCH_AUTO = False
    # Autocommit here: the creation signals run for real (intake, SLA start, outbox).
    for _ in range(20):
        ticket = factories.TicketFactory(fault_category=screen)
        sla_clock_start(ticket_id=ticket.pk)
    later = timezone.now() + dt.timedelta(days=60)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(sla_sweep(now=later, limit=20))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # Every target has passed: one reminder, one response breach and one resolution breach per
    # ticket, split between the two workers, never repeated.
    assert sum(r["reminders"] for r in results) == 20
    assert sum(r["response_breaches"] for r in results) == 20
    assert sum(r["breaches"] for r in results) == 20
    assert SlaLedgerEntry.objects.filter(kind="reminder").count() == 20
    assert SlaLedgerEntry.objects.filter(kind="breach").count() == 40
    assert TicketEvent.objects.filter(kind="sla.escalated").count() == 40
