"""What the customer's progress page shows of scheduling: the appointment (with the link to move or
cancel it), the technician on the way with the expected arrival, arrival, and the privacy number to
call. One context function, rendered by ``repairs/scheduling/_progress.html``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket

from ..models import RepairVisit
from . import selectors
from .privacy import privacy_number_for


def progress_context(*, ticket: Ticket) -> dict:
    """Three small queries: the appointment, the open visit, the privacy number."""
    appointment = selectors.ticket_appointment(ticket)
    visit = (RepairVisit.objects.filter(ticket_id=ticket.pk, checked_out_at__isnull=True)
             .only("departed_at", "checked_in_at", "eta_at").order_by("-created_at").first())
    arrival = None
    if visit is not None and visit.departed_at is not None:
        if visit.checked_in_at is not None:
            arrival = {"state": "arrived", "at": timezone.localtime(visit.checked_in_at)}
        else:
            arrival = {"state": "en_route",
                       "eta": timezone.localtime(visit.eta_at).strftime("%H:%M") if visit.eta_at else ""}
    bookable = (ticket.is_open and ticket.service_center_id is not None and selectors.needs_visit(ticket)
                and (visit is None or visit.departed_at is None))
    return {
        "appointment": appointment,
        "window": selectors.window_label(appointment.start, appointment.end) if appointment else "",
        "window_hours": selectors.window_hours_label(appointment.start, appointment.end) if appointment else "",
        "can_change": bool(appointment and bookable and selectors.may_change(appointment)),
        "can_book": bool(bookable and appointment is None),
        "url": reverse("repairs:appointment", kwargs={"token": ticket.tracking_token}),
        "arrival": arrival,
        "call_number": privacy_number_for(ticket) if ticket.is_open else "",
    }
