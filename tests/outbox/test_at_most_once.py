"""A worker killed at any point of a delivery never makes the customer receive a message twice.

The "kill" is an exception that is not an ``Exception`` (nothing in the delivery code may catch it),
raised at each point of the delivery: after the claim, after the hand-over was recorded but before
the gateway was called, and after the gateway accepted the message but before it was marked sent.
The sweeps after the lease then must settle the message with exactly one request to the gateway
stub, which speaks the gateway's protocol (idempotency key and status query).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tickets.models import OutboxMessage
from tickets.outbox import backends, services
from tickets.outbox.services import LEASE, outbox_deliver, outbox_enqueue, outbox_retry, outbox_sweep

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """The process died here (SIGKILL): no handler of the delivery code runs."""


@pytest.fixture
def sms_gateway(settings, http_server):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = http_server.url
    settings.SMS_GATEWAY_TOKEN = "tok-123"
    return http_server


def _posts(gateway, key: str) -> int:
    return sum(1 for r in gateway.requests if r["headers"].get("Idempotency-Key") == key)


def _kill_after_claim(monkeypatch):
    def killed(channel):
        raise WorkerKilled

    monkeypatch.setattr(services, "backend_for", killed)


def _kill_before_the_gateway_call(monkeypatch):
    def killed(self, message):
        raise WorkerKilled

    monkeypatch.setattr(backends.HttpGatewayBackend, "send", killed)


def _kill_after_the_gateway_accepted(monkeypatch):
    real_send = backends.HttpGatewayBackend.send

    def killed(self, message):
        real_send(self, message)
        raise WorkerKilled

    monkeypatch.setattr(backends.HttpGatewayBackend, "send", killed)


@pytest.mark.parametrize("kill", [_kill_after_claim, _kill_before_the_gateway_call, _kill_after_the_gateway_accepted],
                         ids=["after-claim", "after-hand-over", "after-gateway-accepted"])
def test_a_worker_killed_at_any_point_delivers_exactly_once(sms_gateway, monkeypatch, kill):
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    with monkeypatch.context() as m:
        kill(m)
        with pytest.raises(WorkerKilled):
            outbox_deliver(message_id=msg.pk, now=now)
    msg.refresh_from_db()
    assert msg.status == "sending"
    # While the dead worker's lease runs nobody touches the message.
    outbox_sweep(now=now + LEASE / 2)
    assert _posts(sms_gateway, msg.idempotency_key) <= 1
    # After the lease, and in every later sweep, it is settled once.
    for later in (LEASE + dt.timedelta(seconds=1), dt.timedelta(hours=1), dt.timedelta(hours=6)):
        outbox_sweep(now=now + later)
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert _posts(sms_gateway, msg.idempotency_key) == 1
    assert sms_gateway.delivered == [msg.idempotency_key]
    assert msg.provider_id == sms_gateway.accepted[msg.idempotency_key]


def test_after_a_kill_the_gateway_is_asked_by_key_before_anything_is_resent(sms_gateway, monkeypatch):
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    with monkeypatch.context() as m:
        _kill_after_the_gateway_accepted(m)
        with pytest.raises(WorkerKilled):
            outbox_deliver(message_id=msg.pk, now=now)
    msg.refresh_from_db()
    assert msg.handed_over_at is not None  # recorded before the gateway was called
    outbox_deliver(message_id=msg.pk, now=now + LEASE + dt.timedelta(seconds=1))
    assert sms_gateway.status_queries == [msg.idempotency_key]
    assert len(sms_gateway.requests) == 1


def test_a_gateway_that_cannot_answer_the_status_query_is_asked_again_later(sms_gateway, monkeypatch, settings):
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    with monkeypatch.context() as m:
        _kill_after_the_gateway_accepted(m)
        with pytest.raises(WorkerKilled):
            outbox_deliver(message_id=msg.pk, now=now)
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    after_lease = now + LEASE + dt.timedelta(seconds=1)
    msg = outbox_deliver(message_id=msg.pk, now=after_lease)
    assert msg.status == "retry"
    assert msg.handed_over_at is not None  # still to be settled by asking, not by sending
    settings.SMS_GATEWAY_URL = sms_gateway.url
    outbox_sweep(now=after_lease + dt.timedelta(hours=1))
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert len(sms_gateway.requests) == 1


def test_a_channel_that_cannot_be_asked_is_marked_unknown_and_not_resent(monkeypatch, settings):
    settings.SMS_BACKEND = "console"
    sent = []
    real_send = backends.ConsoleBackend.send

    def counting(self, message):
        sent.append(message.idempotency_key)
        return real_send(self, message)

    monkeypatch.setattr(backends.ConsoleBackend, "send", counting)
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    with monkeypatch.context() as m:
        def killed(self, message):
            counting(self, message)
            raise WorkerKilled

        m.setattr(backends.ConsoleBackend, "send", killed)
        with pytest.raises(WorkerKilled):
            outbox_deliver(message_id=msg.pk, now=now)
    for later in (LEASE + dt.timedelta(seconds=1), dt.timedelta(hours=6)):
        outbox_sweep(now=now + later)
    msg.refresh_from_db()
    assert msg.status == "unknown"
    assert sent == [msg.idempotency_key]
    assert "未重发" in msg.last_error
    # Staff checked with the customer and send it again on purpose.
    outbox_retry(message=msg)
    outbox_sweep()
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert sent == [msg.idempotency_key] * 2


def test_a_failure_the_gateway_answered_is_retried_without_asking(sms_gateway):
    sms_gateway.statuses = [503]
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    msg = outbox_deliver(message_id=msg.pk, now=now)
    assert msg.status == "retry"
    assert msg.handed_over_at is None  # the gateway said no: nothing can have left
    outbox_sweep(now=now + dt.timedelta(minutes=1))
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert sms_gateway.status_queries == []
    assert OutboxMessage.objects.filter(status="sent").count() == 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_with_sigkill_after_the_gateway_accepted_does_not_send_twice(sms_gateway,
                                                                                            monkeypatch):
    """A real process sends the message and is killed with SIGKILL while the gateway's answer is on
    its way; after the lease the sweep settles it with the gateway, without a second send."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    from django.conf import settings as django_settings
    from django.db import connection

    with monkeypatch.context() as m:
        m.setattr(services, "_schedule_delivery", lambda ids: None)  # the worker process sends it, not this one
        [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url,
           "SMS_BACKEND": "http", "SMS_GATEWAY_URL": sms_gateway.url, "MEDIA_ROOT": str(django_settings.MEDIA_ROOT)}
    sms_gateway.hold = threading.Event()
    worker = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup(); from tickets.outbox.services import outbox_deliver; "
         f"outbox_deliver(message_id={msg.pk})"],
        env=env, cwd=str(django_settings.BASE_DIR), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not sms_gateway.delivered and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert sms_gateway.delivered == [msg.idempotency_key], worker.stderr.read() if worker.poll() else ""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        sms_gateway.hold.set()
        if worker.poll() is None:
            worker.kill()
    msg.refresh_from_db()
    assert msg.status == "sending"
    assert msg.handed_over_at is not None
    outbox_sweep(now=timezone.now() + LEASE + dt.timedelta(seconds=1))
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert _posts(sms_gateway, msg.idempotency_key) == 1
    assert sms_gateway.status_queries == [msg.idempotency_key]


def test_a_queue_that_is_down_after_commit_loses_nothing_and_stops_no_other_callback(
        sms_gateway, monkeypatch, caplog, django_capture_on_commit_callbacks):
    """With Redis (the task queue) down the after-commit enqueue fails: that must neither raise into
    the transaction's other after-commit work nor lose the message, which the sweep then sends."""
    import logging

    import django_q.tasks
    from django.db import transaction

    def queue_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390")

    monkeypatch.setattr(django_q.tasks, "async_task", queue_down)
    caplog.set_level(logging.WARNING, logger="tickets.outbox")
    later = []
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
            transaction.on_commit(lambda: later.append("ran"))
    assert later == ["ran"]
    assert "the sweep will deliver it" in caplog.text
    msg.refresh_from_db()
    assert msg.status == "pending"
    outbox_sweep()
    msg.refresh_from_db()
    assert msg.status == "sent"
    assert sms_gateway.delivered == [msg.idempotency_key]


def test_a_send_that_outlived_its_lease_settles_the_message_marked_unknown(monkeypatch, settings):
    settings.SMS_BACKEND = "console"
    [msg] = outbox_enqueue(event="ticket.created", customer=factories.CustomerFactory(), context={})
    now = timezone.now()
    real_send = backends.ConsoleBackend.send
    sends = []

    def slow(self, message):
        sends.append(message.pk)
        if len(sends) == 1:
            # While the gateway is slow, the lease runs out and the next worker takes over.
            outbox_deliver(message_id=message.pk, now=now + LEASE + dt.timedelta(seconds=1))
            assert OutboxMessage.objects.get(pk=message.pk).status == "unknown"
        return real_send(self, message)

    monkeypatch.setattr(backends.ConsoleBackend, "send", slow)
    outbox_deliver(message_id=msg.pk, now=now)
    msg.refresh_from_db()
    assert msg.status == "sent"  # nothing left for staff to resend
    assert sends == [msg.pk]
