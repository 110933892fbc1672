"""What the customer's progress page shows of scheduling: the appointment (with the link to move or
cancel it while the rules allow), and once the technician has set off, where the visit stands (on
the way with the expected arrival, arrived, done) in place of those links; and the privacy number
to call. One context function, rendered by ``repairs/scheduling/_progress.html``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket

from . import selectors
from .models import Appointment
from .privacy import privacy_number_for


def _appointment(ticket: Ticket) -> Appointment | None:
    """The booked appointment, or the one the technician already kept (still shown with its window)."""
    return (Appointment.objects.filter(ticket_id=ticket.pk,
                                       status__in=[Appointment.Status.BOOKED, Appointment.Status.DONE])
            .select_related("slot").order_by("-created_at", "-pk").first())


def progress_context(*, ticket: Ticket) -> dict:
    """Three small queries: the appointment, the latest visit, the privacy number."""
    appointment = _appointment(ticket)
    stage = selectors.visit_stage(ticket, appointment=appointment)
    arrival = None
    if stage is not None:
        arrival = {"state": stage.state, "at": timezone.localtime(stage.at) if stage.at else None,
                   "eta": timezone.localtime(stage.eta).strftime("%H:%M") if stage.eta else ""}
    booked = appointment if appointment is not None and appointment.status == Appointment.Status.BOOKED else None
    # once the technician has set off the customer's link refuses every change, so none is offered
    bookable = (ticket.is_open and ticket.service_center_id is not None and selectors.needs_visit(ticket)
                and stage is None)
    first_booking = bookable and selectors.customer_may_book(ticket)
    return {
        "appointment": appointment,
        "window": selectors.window_label(appointment.start, appointment.end) if appointment else "",
        "window_hours": selectors.window_hours_label(appointment.start, appointment.end) if appointment else "",
        "can_change": bool(booked and bookable and selectors.may_change(booked)),
        "within_lead": bool(booked and bookable and not selectors.may_change(booked)),
        "can_book": bool(first_booking and booked is None and appointment is None),
        "url": reverse("repairs:appointment", kwargs={"token": ticket.tracking_token}),
        "arrival": arrival,
        "call_number": privacy_number_for(ticket) if ticket.is_open else "",
    }
