"""Reads of the hub with their joins baked in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import NotSupportedError
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from . import policy
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


def ticket_search(*, qs: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """Tickets matching what staff type into a search box, each way through an index at any size.

    Identifiers are normalised as they are stored and matched exactly or by prefix: a ticket number
    (any case, spaces ignored), a phone number in any usual form (+86, spaces, dashes) or its first
    digits, a serial/IMEI or its beginning, a customer's name or its beginning. Each way is a
    separate indexed lookup and the tickets are the UNION of them (an OR across the joined tables
    could use no index). ``~words`` searches titles and descriptions by substring instead
    (``ticket_words_search``, which refuses fewer than two characters with ``ValidationFailed``).
    """
    import re

    from django.conf import settings
    from django.core.exceptions import ValidationError

    from .validators import normalize_phone

    term = (term or "").strip()
    if term.startswith(TEXT_SEARCH_PREFIX):
        return ticket_words_search(qs=qs, words=term[len(TEXT_SEARCH_PREFIX):])
    compact = re.sub(r"\s", "", term)
    upper = compact.upper()
    arms: list[QuerySet] = []
    if upper.startswith(settings.TICKET_NUMBER_PREFIX) and re.fullmatch(r"[A-Z]+[\d-]*", upper):
        arms.append(Ticket.objects.filter(number__startswith=upper))
    try:
        arms.append(Ticket.objects.filter(customer__phone=normalize_phone(term)))
    except ValidationError:
        digits = re.sub(r"[\s\-]", "", term)
        if digits.isdigit() and 3 <= len(digits) < 11:
            arms.append(Ticket.objects.filter(customer__phone__startswith=digits))
    if re.fullmatch(r"[A-Z0-9][A-Z0-9\-]{4,39}", upper):
        arms.append(Ticket.objects.filter(device__serial_number__startswith=upper))
    if not re.fullmatch(r"[\d\-+]+", compact):
        arms.append(Ticket.objects.filter(customer__name__startswith=term))
    if not arms:
        return qs.none()
    # Each way is unordered (Ticket has a default ordering): SQLite refuses ORDER BY inside the parts
    # of a UNION, and the order of the matching ids is meaningless; only the outer list is ordered.
    ids = arms[0].order_by().values("pk")
    if len(arms) > 1:
        ids = ids.union(*(arm.order_by().values("pk") for arm in arms[1:]))
    return qs.filter(pk__in=ids)
