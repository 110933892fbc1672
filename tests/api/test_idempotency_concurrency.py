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


def test_one_photo_uploaded_twice_at_once_is_stored_once(technician, fault):
    # The phone's outbox and a second tab (each with its own Idempotency-Key) send the same photo,
    # named by the id the phone gave it: one attachment, one stored file, the same answer for both.
    import uuid
    from pathlib import Path

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.images import jpeg_with_gps
    from tickets.models import Attachment

    job = make_job(technician, fault=fault)
    photo_id = str(uuid.uuid4())
    photo = jpeg_with_gps()
    barrier = threading.Barrier(3)
    answers = []

    def send(n):
        client = client_for(technician.user)
        upload = SimpleUploadedFile("before.jpg", photo, content_type="image/jpeg")
        barrier.wait()
        try:
            response = client.post(f"/api/v1/jobs/{job.pk}/attachments/",
                                   {"file": upload, "purpose": "before", "uuid": photo_id},
                                   format="multipart", HTTP_IDEMPOTENCY_KEY=f"tab-{n}")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [code for code, _ in answers] == [201] * 3, answers
    assert {body["uuid"] for _, body in answers} == {photo_id}
    stored = list(Attachment.objects.filter(ticket=job).values_list("file", flat=True))
    assert len(stored) == 1
    root = Path(settings.MEDIA_ROOT)
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == stored
