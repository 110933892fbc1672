"""The outbox: templates in the customer's language, channels, delivery through django-q2 (sync in
tests), the HTTP SMS gateway against a real local server, retries, claims and the loss-free sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tests import factories
from tickets.models import MessageTemplate, OutboxMessage
from tickets.outbox.services import (
    outbox_collect_events,
    outbox_deliver,
    outbox_enqueue,
    outbox_retry,
    outbox_sweep,
)
from tickets.outbox.templates import register_default, template_for
from tickets.services import ticket_event_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_gateway(settings, http_server):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = http_server.url
    settings.SMS_GATEWAY_TOKEN = "tok-123"
    return http_server


def test_enqueue_renders_in_customer_language_on_every_reachable_channel(django_capture_on_commit_callbacks):
    zh = factories.CustomerFactory(email="zh@example.com", wechat_openid="oABC")
    en = factories.CustomerFactory(preferred_language="en")
    ticket = factories.TicketFactory(customer=zh)
    with django_capture_on_commit_callbacks(execute=True):
        msgs = outbox_enqueue(event="ticket.resolved", customer=zh, ticket=ticket, context={"message": "服务已完成"})
    assert {m.channel for m in msgs} == {"sms", "email", "wechat"}
    sms = next(m for m in msgs if m.channel == "sms")
    assert sms.body == f"【售后服务】您的工单 {ticket.number}：服务已完成"
    assert sms.to_address == zh.phone
    assert all(m.status == "sent" for m in OutboxMessage.objects.filter(customer=zh, event="ticket.resolved"))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zh@example.com"]

    msgs = outbox_enqueue(event="ticket.resolved", customer=en, ticket=ticket, context={"message": "done"})
    assert [m.channel for m in msgs] == ["sms"]  # no e-mail, no WeChat OpenID
    assert msgs[0].language == "en"
    assert msgs[0].body.startswith("[After-sales] Ticket")


def test_channels_argument_and_idempotency_key():
    customer = factories.CustomerFactory(email="a@example.com")
    first = outbox_enqueue(event="x.custom", customer=customer, context={"message": "你好"}, channels=["email"],
                           idempotency_key="k1")
    again = outbox_enqueue(event="x.custom", customer=customer, context={"message": "你好"}, channels=["email"],
                           idempotency_key="k1")
    assert [m.pk for m in first] == [m.pk for m in again]
    assert OutboxMessage.objects.count() == 1


def test_db_template_overrides_code_default_and_registered_defaults():
    register_default("repair.quote_sent", channel="sms", zh_subject="", zh_body="报价 {{ amount }} 元",
                     en_subject="", en_body="Quote {{ amount }} yuan")
    customer = factories.CustomerFactory()
    [msg] = outbox_enqueue(event="repair.quote_sent", customer=customer, context={"amount": "199.00"})
    assert msg.body == "报价 199.00 元"
    MessageTemplate.objects.create(event="repair.quote_sent", channel="sms", language="zh-hans",
                                   body="您的报价：{{ amount }}")
    assert template_for("repair.quote_sent", "sms", "zh-hans").body == "您的报价：{{ amount }}"
    [msg] = outbox_enqueue(event="repair.quote_sent", customer=customer, context={"amount": "5"})
    assert msg.body == "您的报价：5"


def test_http_sms_gateway_sends_with_token_and_idempotency_key(sms_gateway, django_capture_on_commit_callbacks):
    customer = factories.CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [msg] = outbox_enqueue(event="ticket.created", customer=customer, context={}, idempotency_key="ev-1")
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert msg.provider_id == "gw-1"
    req = sms_gateway.requests[0]
    assert req["headers"]["Authorization"] == "Bearer tok-123"
    assert req["headers"]["Idempotency-Key"] == "ev-1:sms"
    assert sms_gateway.json(0)["to"] == customer.phone
    # Delivering again never sends twice.
    outbox_deliver(message_id=msg.pk)
    outbox_sweep()
    assert len(sms_gateway.requests) == 1


def test_gateway_error_retries_with_backoff_then_succeeds(sms_gateway):
    sms_gateway.statuses = [503, 200]
    customer = factories.CustomerFactory()
    [msg] = outbox_enqueue(event="ticket.created", customer=customer, context={})
    now = timezone.now()
    msg = outbox_deliver(message_id=msg.pk, now=now)
    assert msg.status == "retry"
    assert msg.attempts == 1
    assert "503" in msg.last_error
    assert msg.next_attempt_at == now + dt.timedelta(seconds=30)
    # Not due yet: the sweep leaves it alone.
    outbox_sweep(now=now + dt.timedelta(seconds=10))
    assert len(sms_gateway.requests) == 1
    outbox_sweep(now=now + dt.timedelta(seconds=31))
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert msg.attempts == 2
    keys = {r["headers"]["Idempotency-Key"] for r in sms_gateway.requests}
    assert len(keys) == 1  # the retry carries the same key


def test_client_error_fails_at_once_and_staff_can_retry(sms_gateway):
    sms_gateway.statuses = [400]
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "failed"
    msg = outbox_retry(message=msg)
    assert msg.status == "retry"
    outbox_sweep()
    msg.refresh_from_db()
    assert msg.status == "sent"


def test_unreachable_gateway_is_retried(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "retry"


def test_a_claimed_message_is_not_sent_by_a_second_worker(sms_gateway):
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    OutboxMessage.objects.filter(pk=msg.pk).update(status="sending", claimed_until=now + dt.timedelta(minutes=5))
    assert outbox_deliver(message_id=msg.pk, now=now).status == "sending"
    assert sms_gateway.requests == []
    # The first worker crashed: once its lease expires the sweep sends it, with the same key.
    outbox_sweep(now=now + dt.timedelta(minutes=6))
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert sms_gateway.requests[0]["headers"]["Idempotency-Key"] == msg.idempotency_key


def test_sweep_creates_missing_milestone_messages_once():
    customer = factories.CustomerFactory(email="c@example.com")
    ticket = factories.TicketFactory(customer=customer)
    internal = ticket_event_add(ticket=ticket, kind="ticket.note", message="内部备注")
    note = ticket_event_add(ticket=ticket, kind="ticket.note", message="已收到您的设备", customer_visible=True)
    assert OutboxMessage.objects.filter(ticket=ticket).exists()  # written with the creation
    OutboxMessage.objects.filter(ticket=ticket).delete()  # rows lost (e.g. events written before an upgrade)
    result = outbox_sweep()
    assert result["collected"] == 2  # the "received" milestone on both channels; notes are no milestone
    assert not OutboxMessage.objects.filter(ticket_event__in=[internal, note]).exists()
    msgs = OutboxMessage.objects.filter(ticket=ticket)
    assert {(m.milestone, m.channel) for m in msgs} == {("received", "sms"), ("received", "email")}
    assert all(m.status == "sent" for m in msgs)
    assert outbox_collect_events() == 0
    assert outbox_sweep()["collected"] == 0


def test_signal_receivers_enqueue_transition_messages(django_capture_on_commit_callbacks, settings):
    settings.DISPATCH_AUTO = False
    from tickets.services import ticket_triage

    category = factories.FaultCategoryFactory()
    ticket = factories.TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_triage(ticket=ticket, by=None, fault_category=category)
    # triage is no milestone of its own: the customer heard "received" and hears nothing more yet
    kinds = set(OutboxMessage.objects.filter(ticket=ticket).values_list("milestone", flat=True))
    assert kinds == {"received"}


def test_sweeps_are_scheduled_by_migration():
    from django_q.models import Schedule

    funcs = dict(Schedule.objects.values_list("name", "func"))
    assert funcs["sla.sweep"] == "tickets.sla.tasks.sla_sweep_task"
    assert funcs["outbox.sweep"] == "tickets.outbox.tasks.outbox_sweep_task"
    assert funcs["webhooks.sweep"] == "tickets.outbox.tasks.webhook_sweep_task"


def test_sweep_tasks_run():
    from tickets.outbox.tasks import outbox_sweep_task, webhook_sweep_task
    from tickets.sla.tasks import sla_sweep_task

    assert sla_sweep_task() == {"reminders": 0, "response_breaches": 0, "breaches": 0}
    assert outbox_sweep_task()["sent"] == 0
    assert webhook_sweep_task() == {"due": 0, "sent": 0}


def test_wechat_http_gateway(settings, http_server):
    settings.WECHAT_BACKEND = "http"
    settings.WECHAT_GATEWAY_URL = http_server.url
    customer = factories.CustomerFactory(wechat_openid="oWX-123")
    [msg] = outbox_enqueue(event="ticket.ready", customer=customer, ticket=factories.TicketFactory(customer=customer),
                           context={"message": "维修完成并通过质检"}, channels=["wechat"])
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "sent"
    sent = http_server.json(0)
    assert sent["channel"] == "wechat"
    assert sent["to"] == "oWX-123"
    assert "质检" in sent["content"]


def test_email_failure_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    customer = factories.CustomerFactory(email="x@example.com")
    [msg] = outbox_enqueue(event="ticket.created", customer=customer, context={}, channels=["email"])
    msg = outbox_deliver(message_id=msg.pk)
    assert msg.status == "retry"
    assert msg.last_error


def test_many_messages_are_queued_a_batch_per_task(monkeypatch):
    import config.qbroker
    from tickets.outbox import services

    queued = []
    monkeypatch.setattr(config.qbroker, "enqueue_many", lambda func, calls: queued.append((func, calls)))
    services._deliver_async(list(range(1, 61)))
    [(func, calls)] = queued
    assert func == "tickets.outbox.tasks.outbox_deliver_many_task"
    assert [args for args, _name in calls] == [(list(range(1, 26)),), (list(range(26, 51)),), (list(range(51, 61)),)]
    assert [name for _args, name in calls] == ["outbox-1-25", "outbox-26-50", "outbox-51-60"]


def test_a_batch_task_delivers_each_message_and_a_failing_one_stops_no_other(monkeypatch):
    from tickets.outbox import services
    from tickets.outbox.tasks import outbox_deliver_many_task

    customer = factories.CustomerFactory(email="batch@example.com")
    ids = [m.pk for key in ("b1", "b2", "b3") for m in outbox_enqueue(
        event="x.custom", customer=customer, context={"message": "你好"}, channels=["email"], idempotency_key=key)]
    OutboxMessage.objects.filter(pk__in=ids).update(status="pending")
    mail.outbox.clear()
    real = services.outbox_deliver

    def deliver(*, message_id):
        if message_id == ids[1]:
            raise RuntimeError("worker lost its database connection")
        return real(message_id=message_id)

    monkeypatch.setattr(services, "outbox_deliver", deliver)
    assert outbox_deliver_many_task(ids + [10**9]) == {"sent": 2, "error": 1, "missing": 1}
    assert dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status")) == {
        ids[0]: "sent", ids[1]: "pending", ids[2]: "sent"}
    assert len(mail.outbox) == 2
