"""The job list builds its rows directly (``job_row``), not field by field: every row must still be
what ``JobOut``'s declared fields give, for every state a job can be in, with and without a product
model, a category, coordinates or deadlines, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from repairs.api.jobs import JOB_LIST_RELATED
from repairs.api.serializers import JOB_VALUES, JobOut, job_row, job_values
from tests import factories
from tests.api.conftest import make_job
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _declared(ticket: Ticket) -> dict:
    return serializers.ModelSerializer.to_representation(JobOut(), ticket)


@pytest.fixture
def jobs(technician, fault):
    due = timezone.now() + dt.timedelta(hours=5, seconds=0.5)
    rows = [
        make_job(technician, fault=fault),
        make_job(technician, fault=fault, latitude=Decimal("31.2304"), longitude=Decimal("121.473701")),
        make_job(technician, fault=fault, with_device=False, product_model=None, title="",
                 customer=factories.CustomerFactory(name="王小明", phone="13812345678")),
    ]
    Ticket.objects.filter(pk=rows[0].pk).update(due_resolution_at=due, due_response_at=due - dt.timedelta(hours=4))
    Ticket.objects.filter(pk=rows[1].pk).update(due_resolution_at=timezone.now() - dt.timedelta(days=2))
    Ticket.objects.filter(pk=rows[2].pk).update(fault_category=None, due_resolution_at=None, due_response_at=None)
    # every state the list can show (the phone is full while the job is active, masked after)
    for state in Ticket.Status.values:
        job = make_job(technician, fault=fault)
        Ticket.objects.filter(pk=job.pk).update(status=state)
    Ticket.objects.filter(pk=rows[0].pk).update(status="bogus")  # an unknown value shows as itself
    return Ticket.objects.select_related(*JOB_LIST_RELATED).order_by("id")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_row_is_what_the_declared_fields_give(jobs, language, django_assert_num_queries, monkeypatch):
    tickets = list(jobs)
    listed = list(jobs.values(*JOB_VALUES))  # how the list reads them
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # sla_seconds_left reads the clock
    with translation.override(language):
        with django_assert_num_queries(0):
            fast = [job_row(values) for values in listed]
            loaded = [job_row(job_values(t)) for t in tickets]  # how the sync and the QC queue read them
        declared = [_declared(t) for t in tickets]
    assert len(fast) >= len(Ticket.Status.values) + 3
    for mine, again, theirs in zip(fast, loaded, declared, strict=True):
        assert list(mine) == list(theirs)  # same fields, same order
        assert mine == theirs
        assert again == theirs
    labels = {row["status_label"] for row in fast}
    assert ("已派工" in labels) if language == "zh-hans" else ("Dispatched" in labels), labels
    assert "bogus" in labels
    assert any(row["sla_seconds_left"] is None for row in fast)
    assert any(row["latitude"] is not None for row in fast)


def test_the_list_and_the_sync_serve_those_rows(tech_client, technician, fault):
    job = make_job(technician, fault=fault, latitude=Decimal("31.2304"), longitude=Decimal("121.473701"))
    Ticket.objects.filter(pk=job.pk).update(due_resolution_at=timezone.now() + dt.timedelta(hours=3))
    listed = tech_client.get("/api/v1/jobs/").json()["results"]
    synced = tech_client.get("/api/v1/jobs/sync/").json()["jobs"]
    ticket = Ticket.objects.select_related(*JOB_LIST_RELATED).get(pk=job.pk)
    expected = json.loads(JSONRenderer().render(_declared(ticket)))
    for row in (listed[0], synced[0]):
        assert row["id"] == job.pk
        assert abs(row.pop("sla_seconds_left") - expected["sla_seconds_left"]) <= 1
        assert row == {k: v for k, v in expected.items() if k != "sla_seconds_left"}
