"""Races on one job under real threads and PostgreSQL row semantics: losers get 409, never 500, and
retries with one Idempotency-Key all get the stored response."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.api.conftest import client_for, make_job
from tickets.models import IdempotencyRecord, Ticket, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
ROUNDS = 3


def _race(clients, url, *, keys):
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send(client, key):
        barrier.wait()
        try:
            headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
            response = client.post(url, {}, format="json", **headers)
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c, k)) for c, k in zip(clients, keys, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _diff(bodies):
    first = bodies[0]
    return [{k: (first.get(k), b.get(k)) for k in first if first.get(k) != b.get(k)} for b in bodies[1:]]


def test_concurrent_starts_have_one_winner_and_only_409_losers(technician, fault):
    clients = [client_for(technician.user) for _ in range(THREADS)]
    for _round in range(ROUNDS):
        job = make_job(technician, fault=fault)
        answers = _race(clients, f"/api/v1/jobs/{job.pk}/start/", keys=[None] * THREADS)
        codes = sorted(code for code, _ in answers)
        assert codes == [200] + [409] * (THREADS - 1), answers
        assert {body["code"] for code, body in answers if code == 409} <= {"conflict", "invalid_transition"}
        job.refresh_from_db()
        assert job.status == Ticket.Status.IN_PROGRESS
        assert TicketEvent.objects.filter(ticket=job, to_state=Ticket.Status.IN_PROGRESS).count() == 1


def test_concurrent_retries_with_one_key_all_get_the_stored_response(technician, fault):
    clients = [client_for(technician.user) for _ in range(THREADS)]
    for n in range(ROUNDS):
        job = make_job(technician, fault=fault)
        answers = _race(clients, f"/api/v1/jobs/{job.pk}/start/", keys=[f"start-{n}"] * THREADS)
        assert [code for code, _ in answers] == [200] * THREADS, answers
        bodies = [body for _, body in answers]
        assert all(body == bodies[0] for body in bodies), _diff(bodies)
        assert IdempotencyRecord.objects.filter(key=f"start-{n}").count() == 1
        assert TicketEvent.objects.filter(ticket=job, to_state=Ticket.Status.IN_PROGRESS).count() == 1


def test_refresh_from_db_does_not_lift_the_protection_of_other_instances(technician, fault):
    """Reloading one ticket must not open a window in which another thread's ticket accepts a direct
    write to its state (the library flips a class-wide flag for that)."""
    job = make_job(technician, fault=fault)
    field = Ticket._meta.get_field("status")
    seen = []
    original = Ticket.from_db

    def spy(*args, **kwargs):
        seen.append(field.protected)
        return original(*args, **kwargs)

    Ticket.from_db = spy
    try:
        job.refresh_from_db()
    finally:
        Ticket.from_db = original
    assert seen
    assert all(seen)
    assert job.status == Ticket.Status.ASSIGNED
    with pytest.raises(AttributeError):
        job.status = Ticket.Status.CLOSED


def test_a_retry_whose_first_request_is_still_running_gets_a_defined_409(technician, fault, settings):
    from django.db import transaction

    from config.idempotency import _hold_key

    settings.IDEMPOTENCY_WAIT_SECONDS = 0.3
    job = make_job(technician, fault=fault)
    holding, release = threading.Event(), threading.Event()

    def first_request_still_running():
        try:
            with transaction.atomic():
                _hold_key(technician.user.pk, "slow-1")
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    first = threading.Thread(target=first_request_still_running)
    first.start()
    try:
        assert holding.wait(timeout=30)
        response = client_for(technician.user).post(f"/api/v1/jobs/{job.pk}/start/", {}, format="json",
                                                    HTTP_IDEMPOTENCY_KEY="slow-1")
    finally:
        release.set()
        first.join()
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    job.refresh_from_db()
    assert job.status == Ticket.Status.ASSIGNED  # nothing was done by the refused retry
