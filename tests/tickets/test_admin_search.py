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
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) == 2  # the matches, then the tickets
    assert "UPPER(" not in sql
    assert "UNION" in ctx.captured_queries[0]["sql"]
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


def test_the_list_page_joins_only_the_customer_and_shows_the_lookups(client, superuser, tickets):
    """Seven joined tables cost PostgreSQL more to plan than a page of a million tickets costs to
    read: the page joins the customer, and the small tables its rows share are read by id."""
    from tickets.models import FaultCategory

    first, _other = tickets
    parent = FaultCategory.objects.create(code="zz", name="整机")
    leaf = FaultCategory.objects.create(code="zz.screen", name="屏幕", parent=parent)
    Ticket.objects.filter(pk=first.pk).update(fault_category=leaf)
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/tickets/ticket/")
    page = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "tickets_ticket"."created_at"')]
    assert len(page) == 1, page
    assert page[0].count(" JOIN ") == 1
    assert '"tickets_customer"' in page[0]
    html = response.content.decode()
    assert "整机 / 屏幕" in html  # the row's category, and the filter's choice, as ``FaultCategory`` names it
    assert str(first.customer) in html


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
            for term in ("SR2026", "13800138000", "138001", "ABC123", "张三", "~触摸", "~屏幕", "~触摸失灵",
                         "~TOUCH"):
                # the matches (read by ticket_search), then the page of tickets
                with CaptureQueriesContext(connection) as ctx:
                    list(ticket_search(qs=Ticket.objects.all(), term=term))
                for query in ctx.captured_queries:
                    cursor.execute("EXPLAIN " + query["sql"])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    assert "Seq Scan" not in plan, (term, plan)
                if term.startswith("~"):
                    assert "ticket_words_bigram_idx" in plan, (term, plan)
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
def test_words_match_in_any_case_through_the_bigram_index(tickets):
    first, _other = tickets
    Ticket.objects.filter(pk=first.pk).update(title="Touch screen dead")
    assert _found("~TOUCH SCREEN") == {first.pk}
    assert _found("~触摸失灵") == {first.pk}
    sql = str(ticket_search(qs=Ticket.objects.all(), term="~touch screen").query)
    assert "text_bigrams(" in sql
    assert "strpos(lower(" in sql
    assert "UPPER(" not in sql


#: Titles and descriptions of the fixed data set the words search is compared on: Chinese, mixed case,
#: spaces, punctuation, and the characters LIKE treats specially.
TEXTS = [
    ("屏幕碎了", "屏幕碎了，触摸失灵"),
    ("", "黑屏，开机无反应"),
    ("Touch 屏", "touch screen DEAD 50%"),
    ("漏水", "洗衣机漏水_底部有水渍"),
    ("电池", "电池鼓包"),
    ("", "屏 幕 分开写"),
    ("ab", "AB cd a%b"),
    ("只有标题", "-"),
]
ABSENT = ["冰箱", "幕屏", "%_", "a_b", "ba", "黑 屏", "屏幕碎了，触摸失灵！"]


def test_words_are_found_exactly_as_a_plain_substring_filter_finds_them(db):
    """Every substring of two to five characters of the data set (and some that occur nowhere) finds
    the same tickets as the plain case-insensitive filter and as Python's own ``in``."""
    from django.db.models import Q

    made = [factories.TicketFactory(title=title, description=description) for title, description in TEXTS]
    terms = set(ABSENT)
    for title, description in TEXTS:
        for text in (title, description):
            for size in range(2, 6):
                terms.update(text[i:i + size].strip() for i in range(len(text) - size + 1))
    terms = {t for t in terms if len(t) >= 2}
    assert len(terms) > 100

    def check() -> None:
        for term in sorted(terms):
            expected = {t.pk for t in made
                        if term.lower() in t.title.lower() or term.lower() in t.description.lower()}
            plain = set(Ticket.objects.filter(Q(title__icontains=term) | Q(description__icontains=term))
                        .values_list("pk", flat=True))
            assert plain == expected, term
            assert _found("~" + term) == expected, term
            assert _found("~ " + term.upper() + " ") == expected, term

    check()
    if connection.vendor == "postgresql":
        # Again with the index's statistics, which make the search ask the index for the rarest pair.
        from tickets import selectors

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
        selectors._bigram_statistics.update(read_at=None, shares=None)
        assert selectors._bigram_shares()
        check()


def test_one_character_of_text_is_refused_with_a_message(client, superuser, tickets):
    from tickets.exceptions import ValidationFailed

    for term in ("~屏", "~ a ", "~"):
        with pytest.raises(ValidationFailed) as refused:
            ticket_search(qs=Ticket.objects.all(), term=term)
        assert "~屏幕" in str(refused.value.message)
    client.force_login(superuser)
    response = client.get("/admin/tickets/ticket/", {"q": "~屏"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "文字搜索至少输入 2 个字符" in response.content.decode()
    assert tickets[0].number not in response.content.decode()


def test_a_two_character_word_search_costs_constant_queries(client, superuser, tickets,
                                                             django_assert_max_num_queries):
    client.force_login(superuser)
    client.get("/admin/tickets/ticket/", {"q": "~屏幕"})
    with CaptureQueriesContext(connection) as one:
        response = client.get("/admin/tickets/ticket/", {"q": "~屏幕"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert tickets[0].number in response.content.decode()
    for _ in range(5):
        factories.TicketFactory(description="黑屏，屏幕没有显示")
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = client.get("/admin/tickets/ticket/", {"q": "~屏幕"})
    assert response.context["cl"].result_count == 6
    counts = [q["sql"] for q in many.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts
    assert all("LIMIT 10001" in sql for sql in counts), counts


@pytest.mark.postgres
def test_the_index_is_asked_for_the_rarest_pair_of_the_words(db, monkeypatch):
    """The pairs of a common phrase go together; asked for all of them the planner expects a handful of
    rows where most tickets match. Asked for the rarest pair, its estimate bounds the matches."""
    from tickets import selectors

    monkeypatch.setitem(selectors._bigram_statistics, "read_at", float("inf"))
    monkeypatch.setitem(selectors._bigram_statistics, "shares", {"触摸": 0.1, "摸失": 0.1, "失灵": 0.2, "漏水": 0.001})
    assert selectors._rarest_pair("触摸失灵") in ("触摸", "摸失")
    assert selectors._rarest_pair("屏幕漏水") == "屏幕"  # held by too few tickets to be among the common
    assert selectors._rarest_pair("漏水严重") == "水严"
    assert selectors._rarest_pair("漏水") == "漏水"
    monkeypatch.setitem(selectors._bigram_statistics, "shares", None)  # never analysed: every pair
    assert selectors._rarest_pair("触摸失灵") == "触摸失灵"


def test_a_too_common_prefix_lists_the_tickets_of_the_first_matches_and_says_so(client, superuser, monkeypatch):
    """A few digits of a phone or the first character of a name match a large share of the customers:
    each way reads at most the cap of them, and the page asks for more characters."""
    from tickets import selectors

    monkeypatch.setattr(selectors, "SEARCH_MATCH_CAP", 3)
    monkeypatch.setattr("tickets.admin.SEARCH_MATCH_CAP", 3)
    wangs = [factories.TicketFactory(customer=factories.CustomerFactory(name=f"王{i}", phone=f"1370000000{i}"))
             for i in range(5)]
    assert len(_found("王")) == 3
    assert len(_found("1370000")) == 3
    assert _found("13700000004") == {wangs[4].pk}  # a whole phone is exact
    assert selectors.ticket_search_is_partial("王")
    assert selectors.ticket_search_is_partial("1370000")
    assert not selectors.ticket_search_is_partial("13700000004")
    assert not selectors.ticket_search_is_partial("~王")

    client.force_login(superuser)
    html = client.get("/admin/tickets/ticket/", {"q": "王"}).content.decode()
    assert "只列出其中 3 个的工单" in html
    html = client.get("/admin/tickets/ticket/", {"q": "13700000004"}).content.decode()
    assert "只列出其中" not in html
    assert wangs[4].number in html
