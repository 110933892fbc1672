"""The technician's job list filters with a UNION of two indexed lookups (jobs they lead, active
team assignments), never ``technician = x OR id IN (…)``, which PostgreSQL can answer only by
walking the whole ticket table; and it still lists the jobs a technician helps on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import make_job
from tickets.models import TicketAssignment

pytestmark = pytest.mark.django_db


def test_the_job_list_query_is_a_union_without_or(tech_client, technician, other_technician, fault):
    led = make_job(technician, fault=fault)
    helped = make_job(other_technician, fault=fault)
    TicketAssignment.objects.create(ticket=helped, technician=technician, role="helper", status="accepted")
    make_job(other_technician, fault=fault)  # not mine
    with CaptureQueriesContext(connection) as ctx:
        response = tech_client.get("/api/v1/jobs/")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {led.pk, helped.pk}
    listing = [q["sql"] for q in ctx.captured_queries if "tickets_assignment" in q["sql"].lower()
               or "tickets_ticketassignment" in q["sql"].lower()]
    assert listing, [q["sql"] for q in ctx.captured_queries]
    assert all("UNION" in sql for sql in listing), listing
    assert not [sql for sql in listing if " OR " in sql], listing
