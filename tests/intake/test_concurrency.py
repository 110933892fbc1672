"""Parallel intakes on PostgreSQL: one customer, one device, one ticket."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests import factories
from tickets.intake.services import intake_submit
from tickets.models import Customer, Device, IntakeRecord, Ticket

pytestmark = [pytest.mark.postgres]


def _parallel(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(kwargs):
        try:
            barrier.wait()
            results.append(intake_submit(**kwargs))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(kw,)) for kw in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.fixture
def setup_taxonomy(transactional_db):
    from tickets.intake.taxonomy import taxonomy_sync

    taxonomy_sync()
    from tickets.intake.services import classifier_train

    classifier_train()
    return factories.ProductModelFactory(code="P60", name="P60")


def test_same_idempotency_key_in_parallel_creates_one_ticket(setup_taxonomy):
    kwargs = {"channel": "app", "name": "张三", "phone": "13800138000", "description": "屏幕碎了",
              "external_id": "key:same"}
    results, errors = _parallel([kwargs, kwargs, kwargs])
    assert not errors
    assert Ticket.objects.count() == 1
    assert {r.ticket.pk for r in results} == {Ticket.objects.get().pk}
    assert IntakeRecord.objects.count() == 1


def test_new_device_reported_twice_at_once_gives_one_ticket_and_a_link(setup_taxonomy):
    # Neither reporter proved the phone with an SMS code, so the second report is not merged into the
    # first: it becomes its own ticket, flagged for staff as a possible duplicate. The race still
    # yields one customer and one device.
    imei = factories.make_imei(8080)
    calls = [{"channel": ch, "name": "张三", "phone": "13800138000", "description": "屏幕摔碎了",
              "product_model": setup_taxonomy, "serial": imei} for ch in ("app", "web")]
    results, errors = _parallel(calls)
    assert not errors
    assert Customer.objects.count() == 1
    assert Device.objects.count() == 1
    first, second = Ticket.objects.order_by("pk")
    assert second.duplicate_of_id == first.pk
    assert first.duplicate_of_id is None


def test_a_retry_inside_the_callers_transaction_rolls_back_its_attempt_and_leaves_the_transaction_usable(
        setup_taxonomy, monkeypatch):
    # The web form submits inside its own transaction: the retry's unique-key error must roll back only
    # the attempt's savepoint (the caller goes on), and nothing it wrote or queued may remain.
    from django.db import transaction

    from tickets import lifecycle
    from tickets.models import OutboxMessage, TicketEvent, TicketSequence

    ran = []
    after_commit = lifecycle.after_commit

    def counted(func, /, *args, **kw):
        transaction.on_commit(lambda: ran.append(func.__name__))
        after_commit(func, *args, **kw)

    monkeypatch.setattr(lifecycle, "after_commit", counted)
    kwargs = {"channel": "web", "name": "张三", "phone": "13800138000", "description": "屏幕碎了",
              "external_id": "web:same"}
    with transaction.atomic():
        first = intake_submit(**kwargs)
    assert ran
    side_effects = list(ran)
    counts = (TicketEvent.objects.count(), OutboxMessage.objects.count(), list(TicketSequence.objects.values()))
    with transaction.atomic():
        again = intake_submit(**kwargs)
        assert Ticket.objects.count() == 1  # the caller's transaction still answers
    assert again.replayed
    assert again.ticket == first.ticket
    assert ran == side_effects  # nothing of the attempt ran after the commit
    assert (TicketEvent.objects.count(), OutboxMessage.objects.count(),
            list(TicketSequence.objects.values())) == counts


def _stored_files() -> list[str]:
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_retry_with_files_in_parallel_stores_the_files_once(setup_taxonomy):
    # The retry loses at the key's record and is answered with the first result; the photos it carried
    # must not be written a second time beside the winner's (files are not rolled back with rows).
    from tests.intake.conftest import jpeg_bytes
    from tickets.intake.services import IntakeFile
    from tickets.models import Attachment

    files = [IntakeFile("front.jpg", jpeg_bytes(), "image/jpeg"), IntakeFile("back.jpg", jpeg_bytes((48, 64)), "image/jpeg")]
    kwargs = {"channel": "app", "name": "张三", "phone": "13800138000", "description": "屏幕碎了",
              "external_id": "key:photos", "files": files}
    results, errors = _parallel([kwargs, kwargs, kwargs])
    assert not errors
    ticket = Ticket.objects.get()
    assert {r.ticket.pk for r in results} == {ticket.pk}
    assert sorted(r.replayed for r in results) == [False, True, True]
    stored = sorted(Attachment.objects.filter(ticket=ticket).values_list("file", flat=True))
    assert len(stored) == 2
    assert _stored_files() == stored  # nothing the losers wrote is left in storage


def test_a_follow_up_with_files_sent_twice_at_once_is_added_once(setup_taxonomy):
    from tests.intake.conftest import jpeg_bytes
    from tickets.intake.services import IntakeFile, intake_follow_up
    from tickets.models import Attachment, TicketEvent

    ticket = intake_submit(channel="web", name="张三", phone="13800138000", description="屏幕碎了").ticket
    kwargs = {"ticket": ticket, "channel": "email", "message": "补充发票照片",
              "files": [IntakeFile("invoice.jpg", jpeg_bytes(), "image/jpeg")], "external_id": "<m-1@example.com>"}
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(intake_follow_up(**kwargs))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.replayed for r in results) == [False, True, True]
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.customer_message").count() == 1
    stored = list(Attachment.objects.filter(ticket=ticket).values_list("file", flat=True))
    assert len(stored) == 1
    assert _stored_files() == stored


def test_a_report_does_not_wait_for_another_reports_open_transaction(setup_taxonomy, monkeypatch):
    # The day's number is taken in a statement that commits at once: a report held up inside its own
    # transaction (a slow classifier, a slow disk) must not hold every other report of the day.
    from tickets.intake import services as intake_services

    inside, release = threading.Event(), threading.Event()
    real_write = intake_services._intake_write

    def slow_write(**kwargs):
        result = real_write(**kwargs)
        if kwargs["phone"] == "13800138001":
            inside.set()
            release.wait(30)  # the first report's transaction stays open with its rows written
        return result

    monkeypatch.setattr(intake_services, "_intake_write", slow_write)
    outcome: dict = {}

    def report(phone: str) -> None:
        try:
            outcome[phone] = intake_submit(channel="app", name="张三", phone=phone, description="屏幕碎了")
        except Exception as exc:  # collected for the assertion below
            outcome[phone] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=report, args=("13800138001",))
    first.start()
    try:
        assert inside.wait(30)
        second = threading.Thread(target=report, args=("13800138002",))
        second.start()
        second.join(10)
        assert not second.is_alive(), "the second report waited for the first one's transaction"
    finally:
        release.set()
        first.join(30)
    one, two = outcome["13800138001"].ticket, outcome["13800138002"].ticket
    assert two.number != one.number
    assert Ticket.objects.count() == 2


def test_a_report_that_fails_leaves_its_number_unused_and_numbers_never_repeat(setup_taxonomy, monkeypatch):
    from tickets.intake import services as intake_services

    first = intake_submit(channel="app", name="张三", phone="13800138001", description="屏幕碎了").ticket

    def fail(**kwargs):
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(intake_services, "_intake_write", fail)
        with pytest.raises(RuntimeError):
            intake_submit(channel="app", name="李四", phone="13800138002", description="屏幕碎了")
    third = intake_submit(channel="app", name="王五", phone="13800138003", description="屏幕碎了").ticket
    assert int(third.number[-6:]) == int(first.number[-6:]) + 2  # the failed report's number is skipped
    assert Ticket.objects.count() == 2
