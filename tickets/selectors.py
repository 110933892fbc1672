"""Reads of the hub with their joins baked in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.db.models.lookups import IContains

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
#: a trigram index on PostgreSQL) instead of identifiers.
TEXT_SEARCH_PREFIX = "~"
#: A trigram index narrows a substring search only when the words hold a whole trigram; a shorter
#: pattern would make PostgreSQL read the whole index and recheck every row, slower than a plain scan.
TRIGRAM_MIN_LENGTH = 3


class TrigramContains(IContains):
    """Case-insensitive substring as ``col ILIKE '%words%'``, the form a ``gin_trgm_ops`` index answers
    (``icontains`` compares ``UPPER(col)``, which the index on the column cannot). PostgreSQL only."""

    lookup_name = "trigram_contains"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def ticket_search(*, qs: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """Tickets matching what staff type into a search box, each way through an index at any size.

    Identifiers are normalised as they are stored and matched exactly or by prefix: a ticket number
    (any case, spaces ignored), a phone number in any usual form (+86, spaces, dashes) or its first
    digits, a serial/IMEI or its beginning, a customer's name or its beginning. Each way is a
    separate indexed lookup and the tickets are the UNION of them (an OR across the joined tables
    could use no index). ``~words`` searches titles and descriptions by substring instead.
    """
    import re

    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.db.models import F, Q

    from .validators import normalize_phone

    term = (term or "").strip()
    if term.startswith(TEXT_SEARCH_PREFIX):
        words = term[len(TEXT_SEARCH_PREFIX):].strip()
        if not words:
            return qs.none()
        if connection.vendor == "postgresql" and len(words) >= TRIGRAM_MIN_LENGTH:
            return qs.filter(Q(TrigramContains(F("title"), words)) | Q(TrigramContains(F("description"), words)))
        return qs.filter(Q(title__icontains=words) | Q(description__icontains=words))
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
