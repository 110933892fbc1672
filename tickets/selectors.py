"""Reads of the hub with their joins baked in."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import NotSupportedError
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from . import policy
from .lookups import any_of
from .models import Customer, Ticket, TicketEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def ticket_scope_for_user(*, qs: QuerySet[Ticket], user: AbstractBaseUser) -> QuerySet[Ticket]:
    """Limit tickets to what a staff user may see (the rules live in ``tickets.policy``)."""
    return policy.scope_queryset(user, qs)


def ticket_list(*, user: AbstractBaseUser | None = None, status: list[str] | None = None) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related(
        "customer", "device", "product_model", "fault_category", "service_center", "technician"
    )
    if status:
        qs = qs.filter(status__in=status)
    if user is not None:
        qs = ticket_scope_for_user(qs=qs, user=user)
    return qs


def ticket_get_by_token(*, token: str) -> Ticket | None:
    return (
        Ticket.objects.select_related("customer", "device", "product_model", "fault_category", "service_center",
                                      "technician")
        .filter(tracking_token=token)
        .first()
    )


def ticket_timeline(*, ticket: Ticket, customer_only: bool = False) -> QuerySet[TicketEvent]:
    qs = ticket.events.select_related("actor").order_by("created_at", "id")
    return qs.filter(customer_visible=True) if customer_only else qs


def customer_find_by_phone_prefix(*, prefix: str, limit: int = 10) -> QuerySet[Customer]:
    digits = "".join(ch for ch in prefix if ch.isdigit())
    if len(digits) < 3:
        return Customer.objects.none()
    return Customer.objects.filter(phone__startswith=digits).order_by("phone")[:limit]


def tickets_awaiting_after_create(*, before, limit: int) -> list[int]:
    """New tickets created before ``before`` that still have no SLA clock: an intake that answered
    first and whose worker step never ran (the clock is that step's first write)."""
    return list(Ticket.objects.filter(status=Ticket.Status.NEW, created_at__lt=before, sla_clock__isnull=True)
                .order_by("created_at").values_list("pk", flat=True)[:limit])


#: A search term starting with this searches the words of titles and descriptions (substring, through
#: a character-bigram index on PostgreSQL) instead of identifiers.
TEXT_SEARCH_PREFIX = "~"
#: Words shorter than this are refused: one character (屏, a letter) matches a large share of all
#: tickets and narrows nothing; two characters are the shortest Chinese word, and the shortest
#: substring the bigram index can serve.
WORDS_MIN_LENGTH = 2
#: The expression index of the character pairs of ticket titles and descriptions (PostgreSQL).
WORDS_BIGRAM_INDEX = "ticket_words_bigram_idx"


class WordsContain(Func):
    """Whether ``lower(column)`` contains ``lower(words)``: the real substring match that rechecks the
    tickets the bigram index found, with the very case folding of the index (and of ILIKE), and no
    pattern characters to escape. PostgreSQL only.

    Not written as ILIKE on purpose: the planner estimates an ILIKE from the column's statistics as
    if it were independent of the index condition it repeats, expects a single row where a thousand
    match, and joins them all before sorting the page. An expression like this one gets the default
    estimate, which leaves the index condition's own estimate nearly as it is."""

    output_field = BooleanField()

    def __init__(self, column: str, words: str):
        super().__init__(F(column), Value(words))

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("the words recheck is written for PostgreSQL")

    def as_postgresql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.get_source_expressions()[0])
        words, words_params = compiler.compile(self.get_source_expressions()[1])
        return f"strpos(lower({column}), lower({words})) > 0", [*column_params, *words_params]


class WordsHoldBigrams(Func):
    """Whether a ticket's title and description hold every character pair (bigram) of ``words``,
    lower-cased: the form the expression index ``ticket_words_bigram_idx`` answers (its expression,
    repeated here exactly, is how PostgreSQL matches a condition to the index). A superset of the
    tickets whose text contains ``words``; PostgreSQL only."""

    output_field = BooleanField()

    def __init__(self, words: str):
        super().__init__(F("title"), F("description"), Value(words))

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("the bigram index of ticket words exists on PostgreSQL only")

    def as_postgresql(self, compiler, connection, **extra_context):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(expression_params)
        title, description, words = sqls
        return f"(text_bigrams({title}) || text_bigrams({description})) @> text_bigrams({words})", params


def ticket_words_search(*, qs: QuerySet[Ticket], words: str) -> QuerySet[Ticket]:
    """Tickets whose title or description contains ``words`` (any case), as a plain substring filter
    finds them. On PostgreSQL the bigram index narrows the table to the tickets holding every pair of
    characters of the words, and the substring match rechecks those, so the result is exact.

    Raises ``ValidationFailed`` for fewer than ``WORDS_MIN_LENGTH`` characters."""
    from django.db import connection

    from .exceptions import ValidationFailed

    words = (words or "").strip()
    if len(words) < WORDS_MIN_LENGTH:
        raise ValidationFailed(_("文字搜索至少输入 %(count)d 个字符，例如 ~屏幕。") % {"count": WORDS_MIN_LENGTH},
                               code="search_too_short")
    if connection.vendor == "postgresql":
        return qs.filter(WordsHoldBigrams(_rarest_pair(words))).filter(
            Q(WordsContain("title", words)) | Q(WordsContain("description", words)))
    return qs.filter(Q(title__icontains=words) | Q(description__icontains=words))


#: The index's statistics of its most common bigrams (bigram → share of tickets), read at most once per
#: this many seconds by each process: they change only as fast as the mix of reported faults.
BIGRAM_STATISTICS_TTL = 600
_bigram_statistics: dict[str, Any] = {"read_at": None, "shares": None}


def _bigram_shares() -> dict[str, float] | None:
    """Share of tickets holding each of the most common bigrams, from PostgreSQL's statistics of the
    index (None before the table was first analysed)."""
    import time

    from django.db import connection

    read_at = _bigram_statistics["read_at"]
    if read_at is None or time.monotonic() - read_at > BIGRAM_STATISTICS_TTL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                           "WHERE schemaname = current_schema() AND tablename = %s AND attname = 'expr'",
                           [WORDS_BIGRAM_INDEX])
            row = cursor.fetchone()
        shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else None
        _bigram_statistics.update(read_at=time.monotonic(), shares=shares)
    return _bigram_statistics["shares"]


def _rarest_pair(words: str) -> str:
    """What the index is asked for: the two characters of ``words`` that the fewest tickets hold.

    The planner multiplies the shares of the bigrams it is given as if they were independent, but
    the pairs of one phrase go together (nearly every ticket holding 触摸 and 摸失 also holds 失灵):
    asked for all of them, it expects a handful of rows where a hundred thousand match, and sorts
    them all for a page of fifty. Asked for the rarest pair, its estimate is an upper bound of the
    matches, and it walks the newest tickets when the words are common and reads the index when they
    are rare. The substring match still rechecks every row. The pair is sent as it was typed, and
    lower-cased by the database as the index was (case folding is per character)."""
    pairs = [words[i:i + 2] for i in range(len(words) - 1)]
    if len(pairs) == 1:
        return words
    shares = _bigram_shares()
    if shares is None:
        return words
    return min(pairs, key=lambda pair: shares.get(pair.lower(), 0.0))


#: Each way of an identifier search reads at most this many numbers, customers or devices from its
#: index: a few digits of a phone or the first character of a name match a large share of a million
#: customers, and reading all of them to list fifty tickets took seconds. Past it the list shows the
#: tickets of the first ones and the admin asks for more characters.
SEARCH_MATCH_CAP = 1000


def _search_ways(term: str) -> list[tuple[str, QuerySet]]:
    """The indexed lookups an identifier search runs: each a queryset of the ids of ticket numbers,
    customers or devices matching ``term``, paired below with the ticket field it selects."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from .models import Device
    from .validators import normalize_phone

    compact = re.sub(r"\s", "", term)
    upper = compact.upper()
    ways: list[tuple[str, QuerySet]] = []
    if upper.startswith(settings.TICKET_NUMBER_PREFIX) and re.fullmatch(r"[A-Z]+[\d-]*", upper):
        # Newest first: the numbers carry their date, so a common prefix is this month's tickets.
        ways.append(("pk", _prefix_range(Ticket.objects.all(), "number", upper, descending=True)))
    try:
        ways.append(("customer", Customer.objects.filter(phone=normalize_phone(term)).order_by()))
    except ValidationError:
        digits = re.sub(r"[\s\-]", "", term)
        if digits.isdigit() and 3 <= len(digits) < 11:
            ways.append(("customer", _prefix_range(Customer.objects.all(), "phone", digits)))
    if re.fullmatch(r"[A-Z0-9][A-Z0-9\-]{4,39}", upper):
        ways.append(("device", Device.objects.filter(serial_number__startswith=upper).order_by()))
    if not re.fullmatch(r"[\d\-+]+", compact):
        ways.append(("customer", Customer.objects.filter(name__startswith=term).order_by()))
    return ways


def _prefix_range(qs: QuerySet, field: str, prefix: str, *, descending: bool = False) -> QuerySet:
    """``field`` starting with ``prefix``, read in the order of the column's own index when the prefix
    ends with digits. The capped read must not depend on where the matches lie in the table: numbers
    and phones that share a prefix were often written together (a month's tickets), and PostgreSQL,
    asked for the first thousand matches of a common prefix in no order, may scan the table from its
    oldest rows to reach them. As a range that ends where the trailing digits are incremented, the
    prefix is read from the unique index in its order up to the cap at once; the range compares only
    digits after the shared start, which sort alike under every collation."""
    match = re.search(r"\d+$", prefix)
    qs = qs.filter(**{f"{field}__startswith": prefix})
    if match is None or set(match.group()) == {"9"}:
        return qs.order_by()
    digits = match.group()
    upper = prefix[:match.start()] + str(int(digits) + 1).zfill(len(digits))
    return qs.filter(**{f"{field}__gte": prefix, f"{field}__lt": upper}).order_by(f"-{field}" if descending else field)


def ticket_search(*, qs: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """Tickets matching what staff type into a search box, each way through an index at any size.

    Identifiers are normalised as they are stored and matched exactly or by prefix: a ticket number
    (any case, spaces ignored), a phone number in any usual form (+86, spaces, dashes) or its first
    digits, a serial/IMEI or its beginning, a customer's name or its beginning. Each way is a
    separate indexed lookup of at most ``SEARCH_MATCH_CAP`` rows, and the tickets are the UNION of
    them (an OR across the joined tables could use no index), read at once (one query) into the
    returned queryset's filter. ``~words`` searches titles and descriptions by substring instead
    (``ticket_words_search``, which refuses fewer than two characters with ``ValidationFailed``).
    """
    term = (term or "").strip()
    if term.startswith(TEXT_SEARCH_PREFIX):
        return ticket_words_search(qs=qs, words=term[len(TEXT_SEARCH_PREFIX):])
    # The tickets of each way are unordered (SQLite refuses ORDER BY inside the parts of a UNION);
    # only the outer list is ordered.
    arms = [Ticket.objects.filter(**{f"{field}__in": lookup.values("pk")[:SEARCH_MATCH_CAP]})
            .order_by().values_list("pk", "created_at") for field, lookup in _search_ways(term)]
    if not arms:
        return qs.none()
    matches = list(arms[0].union(*arms[1:]) if len(arms) > 1 else arms[0])
    if not matches:
        return qs.none()
    # The matches are read here (at most a few thousand) and the list is filtered by their ids and by
    # the span of their ids and creation times. PostgreSQL expects a set of ids spread evenly over the
    # table, and so may walk a million tickets in the list's order (newest first) for the first page
    # of them where they cluster (a month's numbers, the customers of one prefix) far from the start
    # of the walk; bounded by their span, any walk starts among them.
    ids, times = [pk for pk, _at in matches], [at for _pk, at in matches]
    return qs.filter(any_of("pk", ids), pk__range=(min(ids), max(ids)),
                     created_at__range=(min(times), max(times)))


def ticket_search_is_partial(term: str) -> bool:
    """Whether a way of the identifier search ``term`` matched more than ``SEARCH_MATCH_CAP`` rows, so
    that ``ticket_search`` lists the tickets of only the first of them (one cheap query per way: the
    index is read up to the row after the cap)."""
    term = (term or "").strip()
    if term.startswith(TEXT_SEARCH_PREFIX):
        return False
    return any(lookup[SEARCH_MATCH_CAP:SEARCH_MATCH_CAP + 1].exists() for _f, lookup in _search_ways(term))
