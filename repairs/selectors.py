"""Reads of the workshop: price list lookups, queues and the data a report or page needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tickets.reference import reference_get

from .models import (
    FittedPart,
    PriceListItem,
    QCInspection,
    Quote,
    QuoteLine,
    RepairOrder,
    RepairRecord,
    ReportBranding,
    WarrantyCard,
)
from .models.branding import BRANDING_PK


def price_items_for(*, product_model_id: int, fault_category_id: int, on: dt.date | None = None) -> list[PriceListItem]:
    """Price items valid on ``on`` (today) for a model × fault category; the newest version of each code."""
    on = on or timezone.localdate()
    rows = (PriceListItem.objects
            .filter(product_model_id=product_model_id, fault_category_id=fault_category_id, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .select_related("part")
            .order_by("code", "-valid_from"))
    latest: dict[str, PriceListItem] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    return list(latest.values())


def price_range_for(*, product_model_id: int | None, fault_category_id: int | None,
                    on: dt.date | None = None) -> tuple[Decimal, Decimal] | None:
    """(min, max) price the customer may expect, or None when the list has nothing for the pair.

    min sums the required items (labor, standard parts), max adds the items that depend on the
    diagnosis (``optional``). One query.
    """
    if not product_model_id or not fault_category_id:
        return None
    on = on or timezone.localdate()
    # Computed for every new ticket, on the intake's answer path: kept by the process for a short
    # while (``tickets.reference``; an edit of the list in this process is seen at once).
    return reference_get("price_range", (product_model_id, fault_category_id, on),
                         lambda: _price_range(product_model_id, fault_category_id, on))


def _price_range(product_model_id: int, fault_category_id: int, on: dt.date) -> tuple[Decimal, Decimal] | None:
    # The rows of ``price_items_for`` as bare values: the range needs no item or part objects.
    rows = (PriceListItem.objects
            .filter(product_model_id=product_model_id, fault_category_id=fault_category_id, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("code", "-valid_from").values_list("code", "unit_price", "optional"))
    latest: dict[str, tuple[Decimal, bool]] = {}
    for code, unit_price, optional in rows:
        latest.setdefault(code, (unit_price, optional))
    if not latest:
        return None
    low = sum((price for price, optional in latest.values() if not optional), Decimal("0.00"))
    high = sum((price for price, _optional in latest.values()), Decimal("0.00"))
    return low, high


def repair_order_list(*, status: str | None = None, center_ids: list[int] | None = None) -> QuerySet[RepairOrder]:
    qs = RepairOrder.objects.select_related("ticket", "ticket__customer", "ticket__product_model", "center",
                                            "technician")
    if status:
        qs = qs.filter(status=status)
    if center_ids is not None:
        qs = qs.filter(center_id__in=center_ids)
    return qs


def qc_queue() -> QuerySet[RepairOrder]:
    """Repair orders waiting for QC, oldest first."""
    return repair_order_list(status=RepairOrder.Status.QC).order_by("updated_at")


def quote_current(*, repair_order: RepairOrder) -> Quote | None:
    return repair_order.quotes.order_by("-version").first()


def quote_approved_latest(*, repair_order: RepairOrder) -> Quote | None:
    return repair_order.quotes.filter(status=Quote.Status.APPROVED).order_by("-version").first()


def quote_history(*, repair_order: RepairOrder) -> list[Quote]:
    lines = QuoteLine.objects.select_related("part").order_by("position", "id")
    return list(repair_order.quotes.prefetch_related(Prefetch("lines", queryset=lines))
                .select_related("approved_by", "signature").order_by("-version"))


def warranty_card_current(*, device_id: int) -> WarrantyCard | None:
    """The device's card in force: the newest one no other card replaces."""
    return (WarrantyCard.objects.filter(device_id=device_id, replaced_by__isnull=True)
            .order_by("-issued_at", "-id").first())


def repair_records_for_device(*, device_id: int) -> list[RepairRecord]:
    return list(RepairRecord.objects.filter(card__device_id=device_id).select_related("technician", "card")
                .order_by("received_on", "id"))


def report_context(*, repair_order_id: int) -> dict:
    """Everything the service report prints, in a fixed number of queries."""
    ro = (RepairOrder.objects
          .select_related("ticket", "ticket__customer", "ticket__device", "ticket__product_model", "center",
                          "technician", "technician_signature", "customer_signature", "ticket__fault_category")
          .get(pk=repair_order_id))
    fitted = list(FittedPart.objects.filter(repair_order=ro).select_related("part"))
    quote = quote_approved_latest(repair_order=ro)
    lines = list(quote.lines.select_related("part")) if quote else []
    inspections = list(QCInspection.objects.filter(repair_order=ro)
                       .select_related("inspector", "inspector__technician"))
    device_id = ro.ticket.device_id
    card = warranty_card_current(device_id=device_id) if device_id else None
    records = repair_records_for_device(device_id=device_id) if device_id else []
    ordinal = RepairOrder.objects.filter(ticket_id=ro.ticket_id, created_at__lte=ro.created_at).count()
    return {"repair_order": ro, "ticket": ro.ticket, "fitted": fitted, "quote": quote, "lines": lines,
            "inspections": inspections, "card": card, "records": records, "ordinal": ordinal,
            "branding": report_branding()}


def report_branding() -> ReportBranding:
    """The letterhead row; its defaults (unsaved) until someone fills it in the admin."""
    return ReportBranding.objects.filter(pk=BRANDING_PK).first() or ReportBranding()


def staff_display_name(user) -> str:
    """The name a customer may read for a staff member: the technician's name on file, else the user's
    full name (surname first for Chinese names), never the login unless nothing else is known."""
    if user is None:
        return ""
    try:
        technician = user.technician
    except AttributeError:  # RelatedObjectDoesNotExist is an AttributeError too
        technician = None
    if technician is not None and technician.name:
        return technician.name
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first and last:
        return f"{last}{first}" if not (first + last).isascii() else f"{first} {last}"
    return first or last or user.get_username()


def ticket_charges(*, ticket_ids: list[int]) -> dict[int, Decimal]:
    """What each ticket's customer was charged: the totals of the approved quote versions of its repair
    orders (a free 三包 repair counts 0.00). Tickets without an approved quote are absent."""
    from django.db.models import Sum

    from .models import Quote

    rows = (Quote.objects.filter(repair_order__ticket_id__in=ticket_ids, status=Quote.Status.APPROVED)
            .values("repair_order__ticket_id").annotate(total=Sum("total")))
    return {r["repair_order__ticket_id"]: r["total"] for r in rows}


def ticket_fitted_parts(*, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The parts fitted on each ticket's repairs, as ``name ×quantity``, in fitting order."""
    from .models import FittedPart

    out: dict[int, list[str]] = {}
    rows = (FittedPart.objects.filter(repair_order__ticket_id__in=ticket_ids)
            .values_list("repair_order__ticket_id", "part__name", "quantity").order_by("pk"))
    for ticket_id, name, quantity in rows:
        out.setdefault(ticket_id, []).append(f"{name}×{quantity}" if quantity != 1 else name)
    return out


def check_ins_between(*, start, end):
    """On-site check-ins in [start, end): ticket, technician, their centre and the time (one query)."""
    from .models import RepairVisit

    return (RepairVisit.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end)
            .values("ticket_id", "technician_id", "technician__center_id", "checked_in_at"))


def first_arrivals_before(*, ticket_ids, before):
    """For each ticket, when hands first reached the device before ``before``: the first on-site check-in
    or the workshop's receipt of a carried-in or mailed-in device, whichever came first."""
    from django.db.models import Min

    from .models import RepairOrder, RepairVisit

    firsts: dict[int, object] = {}
    rows = [*RepairVisit.objects.filter(ticket_id__in=ticket_ids, checked_in_at__lt=before)
            .values("ticket_id").annotate(at=Min("checked_in_at")).values_list("ticket_id", "at"),
            *RepairOrder.objects.filter(ticket_id__in=ticket_ids, received_at__lt=before)
            .values("ticket_id").annotate(at=Min("received_at")).values_list("ticket_id", "at")]
    for ticket_id, at in rows:
        if at is not None and (ticket_id not in firsts or at < firsts[ticket_id]):
            firsts[ticket_id] = at
    return firsts


def centres_with_managers():
    """Every centre that has managers, with them (two queries)."""
    from .models import ServiceCenter

    for centre in ServiceCenter.objects.prefetch_related("managers").order_by("pk"):
        managers = list(centre.managers.all())
        if managers:
            yield centre, managers
