"""Two concurrent requests with one Idempotency-Key (PostgreSQL: real row locks, real commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.api.conftest import client_for, make_job
from tickets.models import IdempotencyRecord, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_replays_change_once_and_answer_alike(technician, fault):
    job = make_job(technician, fault=fault)
    url = f"/api/v1/jobs/{job.pk}/notes/"
    barrier = threading.Barrier(4)
    answers = []

    def send():
        client = client_for(technician.user)
        barrier.wait()
        try:
            response = client.post(url, {"message": "并发重试"}, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [code for code, _ in answers] == [201] * 4
    assert len({body["id"] for _, body in answers}) == 1
    assert TicketEvent.objects.filter(ticket=job, kind="ticket.note").count() == 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1
