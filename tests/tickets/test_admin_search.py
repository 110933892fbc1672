"""The admin's ticket search: identifiers normalised as stored, matched exactly or by prefix through
indexes (a UNION of lookups, no UPPER(col) = …, no OR across joined tables), substring text only
behind ``~``; constant queries, and no unfiltered count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tickets.models import Customer, Device, Ticket
from tickets.selectors import ticket_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(db):
    zhang = factories.CustomerFactory(name="张三丰", phone="13800138000")
    device = factories.DeviceFactory(owner=zhang, serial_number="ABC12345XY")
    first = factories.TicketFactory(customer=zhang, device=device, description="屏幕碎了，触摸失灵")
    other = factories.TicketFactory(customer=factories.CustomerFactory(name="李四", phone="13900139000"),
                                    description="电池鼓包")
    return first, other


def _found(term: str) -> set[int]:
    return set(ticket_search(qs=Ticket.objects.all(), term=term).values_list("pk", flat=True))


def test_identifiers_in_any_usual_form(tickets):
    first, other = tickets
    assert _found(first.number.lower()) == {first.pk}
    assert _found(" " + first.number[:-3]) >= {first.pk}  # a prefix of the number
    assert _found("+86 138-0013-8000") == {first.pk}
    assert _found("138001") == {first.pk}
    assert _found("abc12345xy") == {first.pk}
    assert _found("abc123") == {first.pk}
    assert _found("张三") == {first.pk}
    assert _found("李四") == {other.pk}
    assert _found("nothing-like-it") == set()


def test_words_only_behind_the_text_option(tickets):
    first, other = tickets
    assert _found("触摸") == set()  # not a name prefix, and not searched as text without the option
    assert _found("~触摸") == {first.pk}
    assert _found("~鼓包") == {other.pk}


def test_no_upper_and_no_or_across_tables(tickets):
    with CaptureQueriesContext(connection) as ctx:
        list(ticket_search(qs=Ticket.objects.all(), term="13800138000"))
    sql = ctx.captured_queries[-1]["sql"]
    assert "UPPER(" not in sql
    assert "UNION" in sql
    assert " OR " not in sql


def test_changelist_search_constant_queries_and_no_full_count(client, superuser, tickets,
                                                              django_assert_max_num_queries):
    client.force_login(superuser)
    client.get("/admin/tickets/ticket/", {"q": "13800138000"})
    with CaptureQueriesContext(connection) as one:
        response = client.get("/admin/tickets/ticket/", {"q": "13800138000"})
    assert response.status_code == 200
    assert tickets[0].number in response.content.decode()
    for _ in range(5):
        factories.TicketFactory(customer=Customer.objects.get(phone="13800138000"))
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        assert client.get("/admin/tickets/ticket/", {"q": "13800138000"}).status_code == 200
    unfiltered = [q["sql"] for q in many.captured_queries
                  if q["sql"].startswith("SELECT COUNT(*)") and "WHERE" not in q["sql"]]
    assert not unfiltered, unfiltered


def test_phones_and_serials_are_stored_as_searched(db):
    customer = Customer(name="王五", phone="+86 137 0013 7000")
    customer.full_clean()
    assert customer.phone == "13700137000"
    device = Device(product_model=factories.ProductModelFactory(), serial_number=" sn-abc 123 ")
    device.clean()
    assert device.serial_number == "SN-ABC123"


@pytest.mark.postgres
def test_every_way_of_searching_can_use_an_index(tickets):
    """With sequential scans made prohibitively expensive, a plan still choosing one has no index."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            # Words of at least three characters: a shorter substring holds no whole trigram, so no
            # index can narrow it (the search then reads the table, see TRIGRAM_MIN_LENGTH).
            for term in ("SR2026", "13800138000", "138001", "ABC123", "张三", "~触摸失灵", "~TOUCH"):
                sql, params = ticket_search(qs=Ticket.objects.all(), term=term).query.sql_with_params()
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Seq Scan" not in plan, (term, plan)
        finally:
            cursor.execute("SET enable_seqscan = on")


def test_a_search_matching_most_tickets_counts_only_up_to_the_cap(client, superuser, tickets, monkeypatch):
    from tickets.admin_mixins import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "filtered_cap", 2)
    for _ in range(4):
        factories.TicketFactory(description="屏幕碎了，触摸失灵")
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/tickets/ticket/", {"q": "~触摸失灵"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3  # 5 match; counted up to the cap and one more
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts
    assert all("LIMIT 3" in sql for sql in counts), counts


@pytest.mark.postgres
def test_words_match_in_any_case_through_the_trigram_index(tickets):
    first, _other = tickets
    Ticket.objects.filter(pk=first.pk).update(title="Touch screen dead")
    assert _found("~TOUCH SCREEN") == {first.pk}
    assert _found("~触摸失灵") == {first.pk}
    sql = str(ticket_search(qs=Ticket.objects.all(), term="~touch screen").query)
    assert "ILIKE" in sql
    assert "UPPER(" not in sql
