"""Reads of the SLA feature: the policy that applies to a ticket, ledgers, time left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from tickets.models import SlaLedgerEntry, SlaPolicy, Ticket

DEFAULT_RESPONSE_HOURS = Decimal("4")
DEFAULT_RESOLUTION_HOURS = Decimal("72")


def default_targets() -> tuple[Decimal, Decimal]:
    """Targets when no policy matches (settings SLA_DEFAULT_RESPONSE_HOURS / SLA_DEFAULT_RESOLUTION_HOURS)."""
    return (Decimal(str(getattr(settings, "SLA_DEFAULT_RESPONSE_HOURS", DEFAULT_RESPONSE_HOURS))),
            Decimal(str(getattr(settings, "SLA_DEFAULT_RESOLUTION_HOURS", DEFAULT_RESOLUTION_HOURS))))


def sla_policy_for(*, fault_category_id: int | None, priority: str, customer_tier: str) -> SlaPolicy | None:
    """The most specific active policy matching the three criteria (an empty criterion matches any).

    A category match counts more than a priority match, which counts more than a tier match; a
    category's parent counts as a weaker category match. Ties go to the shorter resolution target."""
    from tickets.models import FaultCategory

    category_ids = []
    if fault_category_id:
        category_ids.append(fault_category_id)
        parent = FaultCategory.objects.filter(pk=fault_category_id).values_list("parent_id", flat=True).first()
        if parent:
            category_ids.append(parent)
    candidates = SlaPolicy.objects.filter(
        Q(fault_category__isnull=True) | Q(fault_category_id__in=category_ids),
        Q(priority="") | Q(priority=priority),
        Q(customer_tier="") | Q(customer_tier=customer_tier),
        is_active=True,
    )

    def rank(p: SlaPolicy) -> tuple:
        category = 0 if not p.fault_category_id else (2 if p.fault_category_id == fault_category_id else 1)
        return (category, bool(p.priority), bool(p.customer_tier), -p.resolution_hours, -p.pk)

    best = max(candidates, key=rank, default=None)
    return best


def sla_policy_for_ticket(ticket: Ticket) -> SlaPolicy | None:
    return sla_policy_for(fault_category_id=ticket.fault_category_id, priority=ticket.priority,
                          customer_tier=ticket.customer.tier)


def sla_ledger(*, ticket_id: int) -> QuerySet[SlaLedgerEntry]:
    return SlaLedgerEntry.objects.filter(ticket_id=ticket_id).select_related("policy").order_by("at", "id")


def time_left(due: dt.datetime | None, *, now: dt.datetime | None = None) -> dt.timedelta | None:
    if due is None:
        return None
    return due - (now or timezone.now())


def urgency_colour(due: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """green > 8 h left, orange ≤ 8 h, red when overdue, grey without a deadline (paused or stopped)."""
    left = time_left(due, now=now)
    if left is None:
        return "grey"
    if left <= dt.timedelta(0):
        return "red"
    if left <= dt.timedelta(hours=8):
        return "orange"
    return "green"
