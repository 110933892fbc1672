"""The one estimate a customer sees before diagnosis: the price range and the 三包 preview.

One function answers at intake, on the progress page and as the quote's starting point: the price
list first, the history of resolved tickets second, and the 三包 engine for free or paid. The price
list and the engine live in ``repairs``, which the hub does not import: ``repairs`` registers its
estimator here in ``RepairsConfig.ready`` (as it registers its guards), and without it the hub
answers from history alone.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tickets.models import Ticket
from tickets.services import ticket_estimate_update

from .selectors import price_history_for

logger = logging.getLogger(__name__)


@dataclass
class Estimate:
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    basis: str = ""  # price_list | history | ""
    warranty_preview: dict[str, Any] | None = field(default=None)


#: The price-list-and-三包 estimator another app registers (``repairs``); one at a time.
_estimator: Callable[[Ticket], Estimate] | None = None


def estimator_register(func: Callable[[Ticket], Estimate]) -> None:
    global _estimator
    _estimator = func


def estimate_for(*, ticket: Ticket) -> Estimate:
    """Price list first, history second; the 三包 preview from the registered engine."""
    estimate = _estimator(ticket) if _estimator is not None else Estimate()
    if estimate.price_min is None:
        model_id = ticket.product_model_id or (ticket.device.product_model_id if ticket.device_id else None)
        history = price_history_for(product_model_id=model_id, fault_category_id=ticket.fault_category_id)
        if history:
            estimate.price_min, estimate.price_max, estimate.basis = history[0], history[1], "history"
    return estimate


def _same_preview(old: dict | None, new: dict | None) -> bool:
    strip = lambda d: {k: v for k, v in (d or {}).items() if k != "decided_at"}  # noqa: E731
    return strip(old) == strip(new)


def _estimated(ticket: Ticket, category: Any) -> tuple[Estimate, dict | None] | None:
    """The estimate of ``ticket`` (priced as ``category`` while it has none) and the 三包 preview to
    store, None when the preview is what the ticket already shows; None overall when the ticket
    cannot be priced yet or the estimate failed."""
    if ticket.fault_category_id is None and category is not None:
        priced = copy.copy(ticket)
        priced.fault_category = category
    else:
        priced = ticket
    if priced.fault_category_id is None:
        return None
    try:
        estimate = estimate_for(ticket=priced)
    except Exception:  # an estimate is advice: never let it block intake or a transition
        logger.exception("estimate failed for ticket %s", ticket.pk or ticket.number)
        return None
    preview = estimate.warranty_preview
    if preview is not None:
        preview = {**preview, "price_basis": estimate.basis} if estimate.basis else dict(preview)
        if _same_preview(ticket.warranty_preview, preview):
            preview = None
        else:
            preview["decided_at"] = timezone.now().isoformat()
    return estimate, preview


def estimate_unsaved(*, ticket: Ticket, category: Any = None) -> bool:
    """Put the estimate on a ticket that is not written yet, so that the row is stored with it (the
    intake that answers first shows it); True when there is one to tell the customer. Reads only."""
    computed = _estimated(ticket, category)
    if computed is None:
        return False
    estimate, preview = computed
    if estimate.price_min is not None:
        ticket.price_min, ticket.price_max = estimate.price_min, estimate.price_max
    if preview is not None:
        ticket.warranty_preview = preview
    return estimate.price_min is not None or preview is not None


def estimate_refresh(*, ticket_id: int, ticket: Ticket | None = None, category: Any = None) -> Ticket | None:
    """Compute the ticket's estimate and store it when it changed (one customer-visible event then).

    Does nothing for a missing or not yet categorized ticket (the price depends on the fault), and
    nothing when the estimate is what the ticket already shows, so calling it again is harmless.
    ``ticket``: the caller's instance, current and with its relations loaded (saves reading it
    again); ``category``: the fault to price while the ticket has none yet (the classifier's
    prediction at an intake that triages later), never stored on the ticket by this function.
    """
    if ticket is None or ticket.pk != ticket_id:
        ticket = (Ticket.objects.select_related("device__product_model", "fault_category", "product_model",
                                                "customer").filter(pk=ticket_id).first())
    if ticket is None or (ticket.fault_category_id is None and category is None):
        return None
    computed = _estimated(ticket, category)
    if computed is None:
        return ticket
    estimate, preview = computed
    price_same = (ticket.price_min, ticket.price_max) == (estimate.price_min, estimate.price_max)
    if preview is None and (price_same or estimate.price_min is None):
        return ticket
    return ticket_estimate_update(
        ticket=ticket,
        price_min=None if price_same else estimate.price_min,
        price_max=None if price_same else estimate.price_max,
        warranty_preview=preview,
    )
