"""Admin pages of SLA, calendar, dispatch queue and outbox: warnings, forms, actions, constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tickets.models import CalendarDay, OutboxMessage, SlaClock, Ticket, TicketAssignment
from tickets.outbox.services import outbox_enqueue
from tickets.services import ticket_triage
from tickets.sla.services import sla_clock_start

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_calendar_warning_and_entry_form(client, superuser):
    client.force_login(superuser)
    year = timezone.localdate().year + 1
    CalendarDay.objects.filter(date__year=year).delete()
    response = client.get(reverse("admin:tickets_calendarday_changelist"))
    assert f"{year} 年的节假日日历尚未录入" in response.content.decode()
    index = client.get(reverse("admin:index"))
    assert "节假日日历尚未录入" in index.content.decode()

    url = reverse("admin:tickets_calendarday_enter")
    bad = client.post(url, {"text": f"{year}-02-30 休 春节"})
    assert "无法识别的日期" in bad.content.decode()
    assert not CalendarDay.objects.filter(date__year=year).exists()

    text = f"{year}-01-01 休 元旦\n{year}-02-06~{year}-02-12 休 春节\n{year}-02-14 班 春节调休"
    response = client.post(url, {"text": text})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=year, is_rest_day=True).count() == 8
    workday = CalendarDay.objects.get(date=dt.date(year, 2, 14))
    assert workday.is_rest_day is False
    assert workday.source == "manual"
    response = client.get(reverse("admin:tickets_calendarday_changelist"))
    assert f"{year} 年的节假日日历尚未录入" not in response.content.decode()


def test_only_staff_who_keep_the_calendar_are_asked_to_enter_it(client, ops_user, dispatcher, agent):
    year = timezone.localdate().year + 1
    CalendarDay.objects.filter(date__year=year).delete()
    client.force_login(ops_user)
    assert "节假日日历尚未录入" in client.get(reverse("admin:index")).content.decode()
    for user in (dispatcher, agent):
        client.force_login(user)
        assert "节假日日历尚未录入" not in client.get(reverse("admin:index")).content.decode()
        assert "节假日日历尚未录入" not in client.get(reverse("admin:tickets_ticket_changelist")).content.decode()


def test_calendar_load_library_button(client, superuser):
    client.force_login(superuser)
    CalendarDay.objects.filter(date__year=2024).delete()
    response = client.post(reverse("admin:tickets_calendarday_load"))
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=dt.date(2024, 10, 1), is_rest_day=True).exists()


def test_ops_can_edit_calendar_and_agents_cannot(client, ops_user, agent):
    client.force_login(ops_user)
    assert client.get(reverse("admin:tickets_calendarday_changelist")).status_code == 200
    client.force_login(agent)
    assert client.get(reverse("admin:tickets_calendarday_enter")).status_code == 403


def test_sla_clock_page_shows_ledger_and_list_is_constant(client, superuser, screen, screen_policy):
    client.force_login(superuser)
    tickets = [factories.TicketFactory(fault_category=screen) for _ in range(2)]
    for t in tickets:
        sla_clock_start(ticket_id=t.pk)
    clock = SlaClock.objects.get(ticket=tickets[0])
    page = client.get(reverse("admin:tickets_slaclock_change", args=[clock.pk])).content.decode()
    assert "屏幕 24h" in page
    assert "开始计时" in page
    redirect = client.get(reverse("admin:tickets_slaclock_by_ticket", args=[tickets[0].pk]))
    assert redirect["Location"].endswith(f"/{clock.pk}/change/")
    url = reverse("admin:tickets_slaclock_changelist")
    few = _count(client, url)
    for _ in range(4):
        sla_clock_start(ticket_id=factories.TicketFactory(fault_category=screen).pk)
    assert _count(client, url) == few


def test_dispatch_queue_order_pick_and_action(client, dispatcher, screen):
    center = factories.ServiceCenterFactory(city="上海市")
    tech = factories.TechnicianFactory(center=center, skills=["screen"])
    late = ticket_triage(ticket=factories.TicketFactory(fault_category=screen), by=None)
    urgent = ticket_triage(ticket=factories.TicketFactory(fault_category=screen), by=None)
    now = timezone.now()
    Ticket.objects.filter(pk=late.pk).update(due_resolution_at=now + dt.timedelta(hours=30))
    Ticket.objects.filter(pk=urgent.pk).update(due_resolution_at=now + dt.timedelta(hours=2))
    client.force_login(dispatcher)
    url = reverse("admin:tickets_dispatchqueueticket_changelist")
    page = client.get(url).content.decode()
    assert page.index(urgent.number) < page.index(late.number)
    few = _count(client, url)
    for _ in range(3):
        ticket_triage(ticket=factories.TicketFactory(fault_category=screen), by=None)
    assert _count(client, url) == few

    pick = reverse("admin:tickets_dispatchqueueticket_pick", args=[urgent.pk])
    assert tech.name in client.get(pick).content.decode()
    assert client.post(pick, {"technician": tech.pk}).status_code == 302
    urgent.refresh_from_db()
    assert urgent.technician == tech
    assignment = TicketAssignment.objects.get(ticket=urgent)
    assert assignment.created_by == dispatcher
    assert assignment.breakdown["total"] == assignment.score

    response = client.post(url, {"action": "auto_dispatch", "_selected_action": [late.pk]})
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == Ticket.Status.ASSIGNED


def test_dispatch_queue_needs_assign_permission(client, agent):
    client.force_login(agent)
    assert client.get(reverse("admin:tickets_dispatchqueueticket_changelist")).status_code == 403


def test_assignment_log_and_outbox_lists_are_constant(client, superuser):
    client.force_login(superuser)
    center = factories.ServiceCenterFactory()
    tech = factories.TechnicianFactory(center=center)
    for url, make in (
        (reverse("admin:tickets_outboxmessage_changelist"),
         lambda: outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(),
                                ticket=factories.TicketFactory(), context={})),
        (reverse("admin:tickets_ticketassignment_changelist"),
         lambda: TicketAssignment.objects.create(ticket=factories.TicketFactory(), technician=tech, score=1.0,
                                                 breakdown={"total": 1.0})),
    ):
        make()
        few = _count(client, url)
        for _ in range(3):
            make()
        assert _count(client, url) == few
    assert OutboxMessage.objects.filter(ticket_event__isnull=True).count() == 4


def test_policy_admin_list_editable(client, superuser, screen_policy):
    client.force_login(superuser)
    response = client.get(reverse("admin:tickets_slapolicy_changelist"))
    assert "屏幕 24h" in response.content.decode()
    assert screen_policy.resolution_hours == Decimal("24")
