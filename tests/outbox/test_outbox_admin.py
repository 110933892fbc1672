"""The outbox list stays cheap however many messages it holds: every offered filter and search runs a
constant number of queries, none of them a DISTINCT over the table or a COUNT of the whole table, and a
filtered count stops at the cap. (Timings at 1M rows: tests/bench/bench_outbox_admin.py.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tickets.models import OutboxMessage

pytestmark = pytest.mark.django_db

URL = "/admin/tickets/outboxmessage/"


def _messages(n: int, ticket) -> None:
    OutboxMessage.objects.bulk_create([
        OutboxMessage(idempotency_key=f"k{ticket.pk}-{i}", event=("ticket.created", "milestone.received")[i % 2],
                      channel=("sms", "email")[i % 2], ticket=ticket, customer=ticket.customer,
                      to_address=f"1380000{i:04d}", body="您的工单有新进展", status=("sent", "failed")[i % 2],
                      milestone="")
        for i in range(n)])


def _filters(ticket) -> list[str]:
    return ["", "?status__exact=failed", "?channel__exact=sms", "?milestone=received", "?event=ticket.created",
            "?created_at__gte=2000-01-01+00:00:00%2B08:00", "?q=13800000003", f"?q={ticket.number}", "?q=k1-1",
            "?status__exact=sent&channel__exact=sms&q=13800000002"]


def _whole_table(sql: str) -> bool:
    table = '"tickets_outboxmessage"'
    aggregate = "DISTINCT" in sql or ("COUNT(" in sql and " WHERE " not in sql and " LIMIT " not in sql)
    return table in sql and aggregate


@pytest.mark.parametrize("index", range(10))
def test_every_filter_and_search_has_a_constant_query_count(client, superuser, index):
    ticket = factories.TicketFactory()
    client.force_login(superuser)
    query = _filters(ticket)[index]
    _messages(6, ticket)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL + query).status_code == 200
    _messages(60, factories.TicketFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL + query)
    assert page.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
    assert not [q["sql"] for q in many.captured_queries if _whole_table(q["sql"])]


def test_search_by_ticket_number_finds_its_messages_without_a_join(client, superuser):
    ticket, other = factories.TicketFactory(), factories.TicketFactory()
    _messages(3, ticket)
    _messages(2, other)
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(URL + f"?q={ticket.number}")
    assert page.context["cl"].result_count == OutboxMessage.objects.filter(ticket=ticket).count() >= 3
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "tickets_outboxmessage"' in q["sql"]
               and "ORDER BY" in q["sql"]]
    where = [sql.split(" WHERE ", 1)[1] for sql in listing if " WHERE " in sql]
    assert where
    assert not any(re.search(r'"tickets_ticket"\."number"', part) for part in where)


def test_a_filtered_count_stops_at_the_cap(client, superuser, monkeypatch):
    from tickets.outbox.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    _messages(20, factories.TicketFactory())
    client.force_login(superuser)
    page = client.get(reverse("admin:tickets_outboxmessage_changelist") + "?channel__exact=sms")
    assert page.context["cl"].result_count == 6  # "more than 5"
