"""The sweep's queries are per sweep, not per clock: the same number of statements for 3 and for 30
due reminders (templates, users, managers and existing outbox rows read in bulk, the ledger, events,
outbox rows and clocks written in one statement per table)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tickets.models import OutboxMessage, SlaClock, SlaLedgerEntry, Ticket, TicketEvent
from tickets.sla.services import sla_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db, center):
    manager = factories.UserFactory(username="mgr", email="mgr@example.com", is_staff=True)
    center.managers.add(manager)
    dispatcher = factories.UserFactory(username="disp", email="disp@example.com", is_staff=True)
    dispatcher.groups.add(Group.objects.get(name="调度"))
    techs = [factories.TechnicianFactory(center=center, phone=f"1380000{i:04d}") for i in range(3)]
    return {"center": center, "techs": techs}


def _due(n: int, staff, now: dt.datetime) -> list[int]:
    """n tickets with a reminder due: a third assigned, a third at a managed centre, a third neither."""
    ids = []
    for i in range(n):
        ticket = factories.TicketFactory()
        kind = i % 3
        Ticket.objects.filter(pk=ticket.pk).update(
            technician=staff["techs"][(i // 3) % 3] if kind == 0 else None,
            service_center=staff["center"] if kind == 1 else None)
        SlaClock.objects.filter(ticket=ticket).update(
            remind_at=now - dt.timedelta(minutes=5), next_action_at=now - dt.timedelta(minutes=5),
            due_resolution_at=now + dt.timedelta(hours=4), due_response_at=now + dt.timedelta(hours=1),
            reminded_at=None, breached_at=None)
        ids.append(ticket.pk)
    return ids


def _sweep_queries(now) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as ctx:
        counts = sla_sweep(now=now)
    return counts, len(ctx.captured_queries)


def test_the_sweep_costs_the_same_queries_for_3_or_30_reminders(staff, django_capture_on_commit_callbacks):
    now = timezone.now()
    _due(3, staff, now)
    with django_capture_on_commit_callbacks(execute=False):
        few, few_queries = _sweep_queries(now)
    assert few["reminders"] == 3

    ids = _due(30, staff, now)
    with django_capture_on_commit_callbacks(execute=False):
        many, many_queries = _sweep_queries(now)
    assert many["reminders"] == 30
    assert many_queries == few_queries
    assert few_queries <= 16

    assert SlaLedgerEntry.objects.filter(ticket_id__in=ids, kind="reminder").count() == 30
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind="sla.reminder").count() == 30
    recipients = set(OutboxMessage.objects.filter(ticket_id__in=ids, event="sla.reminder")
                     .values_list("to_address", flat=True))
    assert {"mgr@example.com", "disp@example.com", "13800000000", "13800000001", "13800000002"} <= recipients
    assert not SlaClock.objects.filter(ticket_id__in=ids, reminded_at__isnull=True).exists()
    assert sla_sweep(now=now)["reminders"] == 0  # once each
