from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tickets.models import IdempotencyRecord, TicketEvent

pytestmark = pytest.mark.django_db


def test_a_replay_returns_the_first_response_and_changes_nothing(tech_client, job):
    url = f"/api/v1/jobs/{job.pk}/notes/"
    first = tech_client.post(url, {"message": "客户不在家，已电话联系"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    events = TicketEvent.objects.filter(ticket=job, kind="ticket.note").count()
    replay = tech_client.post(url, {"message": "客户不在家，已电话联系"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert TicketEvent.objects.filter(ticket=job, kind="ticket.note").count() == events == 1


def test_a_replayed_transition_does_not_hit_the_state_machine_again(tech_client, job):
    url = f"/api/v1/jobs/{job.pk}/start/"
    first = tech_client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="start-1")
    assert first.status_code == 200
    assert first.json()["status"] == "in_progress"
    replay = tech_client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="start-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    # without the key the same request is a conflict: the job moved on
    again = tech_client.post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["extra"]["current"]["status"] == "in_progress"


def test_the_same_key_with_another_body_is_refused(tech_client, job):
    url = f"/api/v1/jobs/{job.pk}/notes/"
    assert tech_client.post(url, {"message": "一"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    response = tech_client.post(url, {"message": "二"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert TicketEvent.objects.filter(ticket=job, kind="ticket.note").count() == 1


def test_keys_are_per_user(tech_client, technician, job, other_technician):
    url = f"/api/v1/jobs/{job.pk}/notes/"
    assert tech_client.post(url, {"message": "一"}, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    # the other technician's request with the same key is theirs (and 404: not their job)
    other = client_for(other_technician.user)
    assert other.post(url, {"message": "一"}, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 404
    assert IdempotencyRecord.objects.filter(key="shared").count() == 1


def test_errors_are_not_stored_so_a_retry_runs_again(tech_client, job):
    url = f"/api/v1/jobs/{job.pk}/notes/"
    bad = tech_client.post(url, {"message": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="k-3").exists()


def test_an_invalid_key_is_refused(tech_client, job):
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/notes/", {"message": "x"}, format="json",
                                HTTP_IDEMPOTENCY_KEY="x" * 101)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"


def test_the_record_is_committed_with_the_change(tech_client, job):
    tech_client.post(f"/api/v1/jobs/{job.pk}/notes/", {"message": "一"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k-4")
    record = IdempotencyRecord.objects.get(key="k-4")
    assert record.status_code == 201
    assert record.response_body["message"] == "一"
    assert record.path == f"/api/v1/jobs/{job.pk}/notes/"


def test_a_replay_after_the_job_was_taken_away_still_returns_the_first_answer(tech_client, technician, fault):
    from repairs.dispatch.services import dispatch_to
    from tests import factories
    from tickets.services import ticket_triage

    ticket = factories.TicketFactory(service_mode="on_site")
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    dispatch_to(ticket=ticket, technician=technician, by=None)
    url = f"/api/v1/jobs/{ticket.pk}/decline/"
    first = tech_client.post(url, {"reason": "不在服务区"}, format="json", HTTP_IDEMPOTENCY_KEY="decline-1")
    assert first.status_code == 200
    assert tech_client.get(f"/api/v1/jobs/{ticket.pk}/").status_code == 404  # no longer mine
    replay = tech_client.post(url, {"reason": "不在服务区"}, format="json", HTTP_IDEMPOTENCY_KEY="decline-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    # without the stored key, the job is simply not found
    assert tech_client.post(url, {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="other").status_code == 404
