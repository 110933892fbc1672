"""django-q2 entry points of scheduling. Tasks take ids and tolerate rows that have gone."""

from __future__ import annotations

import datetime as dt


def route_replan_task(technician_id: int, day: str) -> int | None:
    """Re-plan one technician's day; returns the plan's id."""
    from ..models import Technician
    from .planning import route_replan

    technician = Technician.objects.filter(pk=technician_id).first()
    if technician is None:
        return None
    return route_replan(technician=technician, day=dt.date.fromisoformat(day)).pk


def appointments_sweep_task() -> dict[str, int]:
    """Every few minutes: the evening-before reminders and the clocks of windows that opened."""
    from .services import appointments_open_windows, appointments_remind

    return {"reminded": appointments_remind(), "resumed": appointments_open_windows()}


def privacy_bind_task(ticket_id: int, technician_id: int) -> int | None:
    from .privacy import privacy_bind

    binding = privacy_bind(ticket_id=ticket_id, technician_id=technician_id)
    return binding.pk if binding is not None else None


def privacy_release_task(ticket_id: int) -> int:
    from .privacy import privacy_release

    return privacy_release(ticket_id=ticket_id)


def appointments_ended_task(ticket_id: int) -> int:
    from .services import appointments_ticket_ended

    return appointments_ticket_ended(ticket_id=ticket_id)


class NotRoutedYet(Exception):
    """The ticket has no centre yet: the task fails and django-q2 retries it later."""


def appointment_book_task(ticket_id: int, start: str) -> int | None:
    """Book the window an integration's customer picked, once the ticket has its centre. A window
    that cannot be had is logged; the progress page then offers the free ones."""
    import logging

    from tickets.exceptions import ValidationFailed
    from tickets.models import Ticket

    from .models import Appointment
    from .services import appointment_book

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not ticket.is_open:
        return None
    if ticket.service_center_id is None:
        if ticket.status == Ticket.Status.NEW:
            raise NotRoutedYet(ticket_id)
        return None
    try:
        return appointment_book(ticket=ticket, start=dt.datetime.fromisoformat(start),
                                source=Appointment.Source.API).pk
    except ValidationFailed as exc:
        logging.getLogger("repairs.scheduling").info("window for ticket %s not booked: %s", ticket_id, exc)
        return None
