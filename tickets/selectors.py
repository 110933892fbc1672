"""Reads of the hub with their joins baked in (STYLE R4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

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
