"""The ticket's lifecycle has one owner (tickets/lifecycle.py): the hub's own reactions run in a stated
order inside the change's transaction, other apps hear domain signals and only enqueue tasks."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from repairs.services import price_item_upsert
from tests import factories
from tickets.intake.services import intake_submit
from tickets.models import (
    FaultCategory,
    OutboxMessage,
    SlaClock,
    Ticket,
    TicketAssignment,
    TicketEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.services import ticket_transition
from tickets.signals import ticket_created, ticket_transitioned

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """The shipped taxonomy and classifier, a Shanghai centre with an on-duty screen technician, a
    phone with its price list, and an integration subscribed to both webhook events."""
    from tickets.intake.taxonomy import taxonomy_sync

    taxonomy_sync()
    from tickets.intake.services import classifier_train

    classifier_train()
    center = factories.ServiceCenterFactory(code="SH1", city="上海市", latitude=Decimal("31.228"),
                                            longitude=Decimal("121.520"),
                                            service_modes=["walk_in", "on_site", "mail_in"])
    tech = factories.TechnicianFactory(center=center, skills=["screen"])
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    fault = FaultCategory.objects.get(code="phone.display")
    model = factories.ProductModelFactory(brand="华为", category="phone", uses_imei=True)
    today = timezone.localdate()
    price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L-SCREEN", name="更换屏幕工时",
                      unit_price=Decimal("80"), valid_from=today - dt.timedelta(days=30))
    WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/hook",
                                   events=["ticket.created", "ticket.state_changed"])
    return {"center": center, "technician": tech, "fault": fault, "model": model}


def _report(world, **kw):
    fields = {"channel": "web", "phone": "13800138000", "name": "张三", "description": "屏幕碎了，触摸失灵",
              "product_model": world["model"], "serial": "356938035643809",
              "purchase_date": timezone.localdate() - dt.timedelta(days=30), "fault_category": world["fault"],
              "city": "上海市", "address": "徐汇区漕溪北路88号", "latitude": Decimal("31.230"),
              "longitude": Decimal("121.470")}
    fields.update(kw)
    return intake_submit(**fields)


def test_the_hub_does_not_listen_to_its_own_signals():
    """Only other apps (dispatch, surveys) receive the hub's domain signals."""
    for signal in (ticket_created, ticket_transitioned):
        modules = {receiver().__module__ for _key, receiver, *_rest in signal.receivers
                   if receiver() is not None}
        assert not [m for m in modules if m.startswith("tickets.")], modules
        assert not [m for m in modules if m == "repairs.receivers"], modules


def test_a_new_ticket_gets_clock_triage_messages_and_webhooks_in_its_own_transaction(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = _report(world)
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Ticket.Status.TRIAGED  # classified and routed before the commit
    assert result.ticket.status == Ticket.Status.TRIAGED  # the caller's instance says so too
    assert ticket.service_center_id == world["center"].pk
    assert SlaClock.objects.filter(ticket=ticket).exists()
    assert ticket.due_resolution_at is not None
    assert ticket.price_min == Decimal("80.00")
    assert OutboxMessage.objects.filter(ticket=ticket, milestone="received").exists()
    hooks = list(WebhookDelivery.objects.filter(ticket=ticket).order_by("pk").values_list("event", flat=True))
    assert hooks == ["ticket.state_changed", "ticket.created"]


def test_outbox_rows_follow_the_order_of_the_events(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket
    collected = list(OutboxMessage.objects.filter(ticket=ticket, channel="sms").order_by("pk")
                     .values_list("ticket_event_id", "milestone"))
    assert [m for _e, m in collected] == ["received", "assigned"]
    assert [e for e, _m in collected] == sorted(e for e, _m in collected)


def test_the_estimate_is_computed_once_per_change(world, monkeypatch, django_capture_on_commit_callbacks):
    import tickets.intake.estimate as intake_estimate

    calls = []
    real = intake_estimate.estimate_refresh

    def spy(**kwargs):
        calls.append(kwargs["ticket_id"])
        return real(**kwargs)

    monkeypatch.setattr(intake_estimate, "estimate_refresh", spy)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket
    assert calls == [ticket.pk]  # once, at triage: not again for creation, not again for dispatch
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.estimate").count() == 1


def test_the_sla_clock_starts_at_creation_not_at_the_first_transition(world, django_capture_on_commit_callbacks):
    fault_unknown = _report(world, fault_category=None, description="嗯嗯", serial="")
    ticket = fault_unknown.ticket
    assert ticket.status == Ticket.Status.NEW
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.started_at == ticket.created_at


def test_no_customer_request_waits_for_dispatch(world, monkeypatch, django_capture_on_commit_callbacks):
    """Auto-dispatch is a django-q2 task enqueued after commit; the request returns triaged."""
    import django_q.tasks

    queued = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda func, *args, **kw: queued.append((func, args)))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert not TicketAssignment.objects.filter(ticket=ticket).exists()
    assert ("repairs.dispatch.tasks.dispatch_after_triage_task", (ticket.pk, None)) in queued

    from repairs.dispatch.tasks import dispatch_after_triage_task

    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_after_triage_task(ticket.pk, None) is not None
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED
    assert ticket.technician_id == world["technician"].pk


def test_tasks_tolerate_a_ticket_that_has_gone_or_moved_on(world, django_capture_on_commit_callbacks):
    from repairs.dispatch.tasks import assignments_finish_task, dispatch_after_triage_task
    from surveys.tasks import ticket_autoclose_cancel_task, ticket_resolved_task

    assert dispatch_after_triage_task(999_999, None) is None
    assert assignments_finish_task(999_999) == 0
    assert ticket_resolved_task(999_999) is None
    assert ticket_autoclose_cancel_task(999_999) is None
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket  # triaged, then dispatched by the (sync) task after commit
    assert dispatch_after_triage_task(ticket.pk, None) is None  # moved on: nothing twice


def test_a_transition_writes_its_rows_in_its_transaction(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_transition(ticket=ticket, transition="start", by=None)
        ticket_transition(ticket=ticket, transition="wait_customer", by=None)
        event = TicketEvent.objects.get(ticket=ticket, kind="ticket.waiting_customer")
        assert WebhookDelivery.objects.filter(
            ticket=ticket, event="ticket.state_changed",
            idempotency_key__startswith=f"ticket.state_changed:{ticket.pk}:{event.pk}").exists()
        assert SlaClock.objects.get(ticket=ticket).state == SlaClock.State.PAUSED
        ticket_transition(ticket=ticket, transition="cancel", by=None, message="客户不修了")
        cancelled = TicketEvent.objects.get(ticket=ticket, kind="ticket.cancelled")
        assert OutboxMessage.objects.filter(ticket_event=cancelled, milestone="cancelled").exists()
    assert callbacks  # only the broadcast, the deliveries and the domain signal wait for the commit


def test_a_failing_reaction_does_not_take_the_change_with_it(world, monkeypatch, caplog):
    import tickets.intake.estimate as intake_estimate

    def broken(**kwargs):
        raise RuntimeError("price list unavailable")

    monkeypatch.setattr(intake_estimate, "estimate_refresh", broken)
    with caplog.at_level(logging.ERROR, logger="tickets.lifecycle"):
        ticket = _report(world).ticket
    assert ticket.status in (Ticket.Status.TRIAGED, Ticket.Status.ASSIGNED)
    assert "estimate failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_queue_down_loses_no_row_and_stops_no_other_callback(world, monkeypatch, caplog):
    """With the task broker unreachable, every enqueue after commit fails; each failure is logged
    (the callbacks carry names) and neither the change nor its outbox/webhook rows are lost."""
    import django_q.tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(django_q.tasks, "async_task", down)
    with caplog.at_level(logging.ERROR):
        ticket = _report(world).ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert set(WebhookDelivery.objects.filter(ticket=ticket).values_list("event", flat=True)) == {
        "ticket.created", "ticket.state_changed"}
    assert OutboxMessage.objects.filter(ticket=ticket, milestone="received").exists()
    assert SlaClock.objects.filter(ticket=ticket).exists()
    assert "broker unreachable" in caplog.text
    assert "has no attribute '__qualname__'" not in caplog.text


def test_intake_create_query_budget(world, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    _report(world, phone="13900139000", serial="")  # warm caches: classifier, templates, calendar
    with django_assert_max_num_queries(130), django_capture_on_commit_callbacks(execute=False):
        _report(world, phone="13700137000", serial="")


def test_transition_query_budget(world, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _report(world).ticket
    ticket.refresh_from_db()
    with django_assert_max_num_queries(30), django_capture_on_commit_callbacks(execute=False):
        ticket_transition(ticket=ticket, transition="start", by=None)
