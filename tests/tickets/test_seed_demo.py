"""The demo seed: written in bulk, its past consistent (timelines and SLA clocks counted from each
ticket's own creation time), and nothing of that past queued to go out to customers."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from tickets import demo
from tickets.models import DeliveryStatus, OutboxMessage, SlaClock, SlaLedgerEntry, Ticket, TicketEvent
from tickets.outbox.backends import ConsoleBackend
from tickets.outbox.services import outbox_collect_events
from tickets.services import ticket_create
from tickets.sla.services import sla_sweep

pytestmark = pytest.mark.django_db


def test_seed_writes_a_consistent_past_and_queues_no_customer_message():
    out = io.StringIO()
    call_command("seed_demo", tickets=60, stdout=out)
    now = timezone.now()
    tickets = list(Ticket.objects.select_related("sla_clock", "customer"))
    assert len(tickets) == 60

    # nothing for customers waits in the outbox, and the sweep finds no past milestone to announce
    assert not OutboxMessage.objects.filter(ticket__isnull=False).exclude(status=DeliveryStatus.SENT).exists()
    assert OutboxMessage.objects.filter(ticket__isnull=False, status=DeliveryStatus.SENT).exists()
    assert outbox_collect_events() == 0
    # reminders and breaches that fell in the past are already recorded: the first sweep fires nothing
    assert sla_sweep(now=now) == {"reminders": 0, "response_breaches": 0, "breaches": 0}

    events = {}
    for event in TicketEvent.objects.order_by("created_at", "id"):
        events.setdefault(event.ticket_id, []).append(event)
    for ticket in tickets:
        local_day = timezone.localtime(ticket.created_at).date()
        assert ticket.number[2:10] == f"{local_day:%Y%m%d}", ticket.number  # numbered on its own day
        timeline = events[ticket.pk]
        assert timeline[0].kind == "ticket.created"
        assert timeline[0].created_at == ticket.created_at
        assert all(ticket.created_at <= e.created_at <= now for e in timeline), ticket.number
        assert timeline[-1].to_state in (ticket.status, "") or timeline[-1].kind.startswith(("sla.", "survey.",
                                                                                            "repair."))
        clock = ticket.sla_clock
        # the clock starts when the ticket was opened, not when the seed ran
        assert clock.started_at == ticket.created_at
        assert SlaLedgerEntry.objects.filter(ticket=ticket, kind="start", at=ticket.created_at).exists()
        assert (ticket.due_response_at, ticket.due_resolution_at) == (clock.due_response_at, clock.due_resolution_at)
        if clock.state == SlaClock.State.RUNNING:
            assert clock.due_resolution_at > ticket.created_at
            overdue = clock.due_resolution_at <= now
            assert (clock.breached_at is not None) == overdue, ticket.number
            if overdue:
                assert clock.breached_at == clock.due_resolution_at
        if ticket.status in Ticket.CLOSED_STATES:
            assert clock.state == SlaClock.State.STOPPED
    # a ticket opened now still gets the next number of today
    ticket = ticket_create(customer=tickets[0].customer, description="新的报修：屏幕不亮", channel="phone")
    assert ticket.number not in {t.number for t in tickets}
    assert "demo customer messages marked sent" in out.getvalue()
    # the demo letterhead carries a logo and a 服务专用章, as staff would set them in the admin
    from repairs.selectors import report_branding

    branding = report_branding()
    assert branding.pk
    assert branding.logo
    assert branding.seal


def test_ticket_history_is_written_in_bulk(django_assert_max_num_queries):
    out = io.StringIO()
    users = demo.seed_users(stdout=out)
    demo.seed_catalog(stdout=out)
    demo.seed_sla_policies(stdout=out)
    demo.seed_field_force(stdout=out, users=users)
    demo.seed_customers(stdout=out, count=40)
    # 120 tickets with their timelines, clocks, ledgers and sent messages: a number of queries that
    # does not grow with a service call per ticket (that took about 60 queries a ticket)
    with django_assert_max_num_queries(400):
        demo.seed_tickets(stdout=out, count=120)
    assert Ticket.objects.count() == 120
    assert SlaClock.objects.count() == 120


def test_console_messages_log_one_line_each(caplog):
    message = OutboxMessage(channel="email", to_address="a@example.com", subject="工单 SR1 已受理",
                            body="第一行\n第二行\n\n" + "很长的正文" * 100, idempotency_key="k")
    with caplog.at_level(logging.INFO, logger="tickets.outbox"):
        ConsoleBackend().send(message)
    [record] = caplog.records
    assert "\n" not in record.getMessage()
    assert len(record.getMessage()) < 300


def test_development_email_logs_one_line_per_message(caplog, settings):
    from django.core.mail import send_mail

    settings.EMAIL_BACKEND = "config.mail.LogEmailBackend"
    with caplog.at_level(logging.INFO, logger="mail"):
        send_mail("【缺货预警】12 项\n备件", "以下备件已低于补货点：\n- A\n- B\n请及时补货。", "service@example.com",
                  ["warehouse@demo.example.com"])
    [record] = caplog.records
    assert "\n" not in record.getMessage()
    assert "@demo.example.com" in record.getMessage()  # the recipient (masked by the log filter)
