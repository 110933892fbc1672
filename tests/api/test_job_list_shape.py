"""The technician's job list finds a page's candidates part by part, each from its own index (the jobs
they lead from the cursor on, their active assignments), never as ``technician = x OR id IN (…)`` or
``id IN (a union)`` ordered by id, which PostgreSQL may answer by walking the whole ticket table
backwards; it still lists the jobs a technician is offered or helps on, and pages exactly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import make_job
from tickets.models import TicketAssignment

pytestmark = pytest.mark.django_db


def test_the_list_holds_led_helped_and_offered_jobs_and_asks_no_or(tech_client, technician, other_technician,
                                                                    fault):
    led = make_job(technician, fault=fault)
    helped = make_job(other_technician, fault=fault)
    TicketAssignment.objects.create(ticket=helped, technician=technician, role="helper", status="accepted")
    offered = make_job(other_technician, fault=fault)
    TicketAssignment.objects.create(ticket=offered, technician=technician, status="offered")
    declined = make_job(other_technician, fault=fault)
    TicketAssignment.objects.create(ticket=declined, technician=technician, status="declined")
    make_job(other_technician, fault=fault)  # not mine
    with CaptureQueriesContext(connection) as ctx:
        response = tech_client.get("/api/v1/jobs/")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {led.pk, helped.pk, offered.pk}
    ticket_queries = [q["sql"] for q in ctx.captured_queries if '"tickets_ticket"' in q["sql"]]
    assert not [sql for sql in ticket_queries if " OR " in sql or "UNION" in sql], ticket_queries


def test_pages_forward_and_back_cover_every_job_once(monkeypatch, tech_client, technician, other_technician, fault):
    from config.pagination import IdCursorPagination

    monkeypatch.setattr(IdCursorPagination, "page_size", 3)
    mine = [make_job(technician, fault=fault) for _ in range(7)]
    for _ in range(3):  # jobs others lead, interleaved, two of which this technician helps on
        make_job(other_technician, fault=fault)
    helped = [make_job(other_technician, fault=fault) for _ in range(2)]
    for job in helped:
        TicketAssignment.objects.create(ticket=job, technician=technician, role="helper", status="accepted")
    expected = sorted([j.pk for j in mine + helped], reverse=True)
    seen, url, pages = [], "/api/v1/jobs/", []
    while url:
        body = tech_client.get(url).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
    assert len(pages) == 3
    back = tech_client.get(pages[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[-2]["results"]]
