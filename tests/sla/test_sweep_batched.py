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
    assert few_queries <= 14

    assert SlaLedgerEntry.objects.filter(ticket_id__in=ids, kind="reminder").count() == 30
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind="sla.reminder").count() == 30
    recipients = set(OutboxMessage.objects.filter(ticket_id__in=ids, event="sla.reminder")
                     .values_list("to_address", flat=True))
    assert {"mgr@example.com", "disp@example.com", "13800000000", "13800000001", "13800000002"} <= recipients
    assert not SlaClock.objects.filter(ticket_id__in=ids, reminded_at__isnull=True).exists()
    assert sla_sweep(now=now)["reminders"] == 0  # once each


def test_the_sweep_renders_edited_templates_and_the_defaults_alike(staff):
    """The templates of a sweep are read together: an edited one wins on its channel, the code default
    serves the others, and an inactive edit is ignored."""
    from tickets.models import MessageTemplate

    MessageTemplate.objects.create(event="sla.reminder", channel="email", language="zh-hans",
                                   subject="提醒 {{ ticket.number }}", body="请处理 {{ user.username }}")
    MessageTemplate.objects.create(event="sla.reminder", channel="sms", language="zh-hans",
                                   subject="停用", body="停用", is_active=False)
    now = timezone.now()
    ids = _due(3, staff, now)
    assert sla_sweep(now=now)["reminders"] == 3
    rows = OutboxMessage.objects.filter(ticket_id__in=ids, event="sla.reminder").select_related("ticket", "user")
    emails = [m for m in rows if m.channel == "email"]
    sms = [m for m in rows if m.channel == "sms"]
    assert emails
    assert sms
    assert all(m.subject == f"提醒 {m.ticket.number}" and m.body == f"请处理 {m.user.username}" for m in emails)
    assert all(m.body.startswith("【SLA 提醒】") and m.ticket.number in m.body for m in sms)


def test_an_edited_text_naming_the_customer_costs_no_query_per_reminder(staff, django_capture_on_commit_callbacks):
    """The stock texts name no customer, so the sweep does not read them; a text edited to name the
    customer gets them from the same query as the tickets."""
    from tickets.models import MessageTemplate

    now = timezone.now()
    _due(3, staff, now)
    with django_capture_on_commit_callbacks(execute=False):
        _counts, stock_queries = _sweep_queries(now)
    MessageTemplate.objects.create(event="sla.reminder", channel="email", language="zh-hans",
                                   subject="提醒 {{ ticket.number }}", body="客户 {{ ticket.customer.name }} 等待处理")
    ids = _due(30, staff, now)
    with django_capture_on_commit_callbacks(execute=False):
        counts, edited_queries = _sweep_queries(now)
    assert counts["reminders"] == 30
    assert edited_queries == stock_queries
    emails = OutboxMessage.objects.filter(ticket_id__in=ids, event="sla.reminder", channel="email") \
        .select_related("ticket__customer")
    assert emails
    assert all(m.body == f"客户 {m.ticket.customer.name} 等待处理" for m in emails)


def test_the_sweep_leaves_garbage_collection_as_it_found_it(staff):
    import gc

    now = timezone.now()
    _due(2, staff, now)
    assert gc.isenabled()
    sla_sweep(now=now)
    assert gc.isenabled()
    _due(2, staff, now)
    gc.disable()
    try:
        sla_sweep(now=now)
        assert not gc.isenabled()
    finally:
        gc.enable()
