"""Writes of the technician's day: plan the route of one technician and day and store it (the
API and the admin read the stored plan; a booking, a move or an assignment re-plans it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tickets.calendar import BusinessCalendar

from ..models import Technician
from . import selectors
from .maps import MapProvider, Point, get_provider
from .models import Appointment, RoutePlan
from .route import Stop, solve


def _minutes(moment: dt.datetime, day: dt.date) -> int:
    local = timezone.localtime(moment)
    return (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute


def _at(day: dt.date, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) + dt.timedelta(minutes=minute)


def start_point(technician: Technician) -> Point:
    center = technician.center
    return Point(float(center.latitude), float(center.longitude))


def _place(appointment: Appointment, fallback: Point) -> Point:
    ticket = appointment.ticket
    if ticket.latitude is None or ticket.longitude is None:
        return fallback
    return Point(float(ticket.latitude), float(ticket.longitude))


@transaction.atomic
def route_replan(*, technician: Technician, day: dt.date, provider: MapProvider | None = None) -> RoutePlan:
    """Plan the technician's visits of ``day`` from the centre, store the plan (one row per
    technician and day) and each appointment's planned arrival and position. Idempotent."""
    provider = provider or get_provider()
    technician = Technician.objects.select_related("center").get(pk=technician.pk)
    visits = list(selectors.technician_day(technician=technician, day=day))
    origin = start_point(technician)
    places = [origin] + [_place(v, origin) for v in visits]
    matrix = provider.matrix(places, places) if visits else []
    span = BusinessCalendar(technician.center).window(day)
    opening = _minutes(span[0], day) if span else 9 * 60
    stops = [Stop(key=v.pk, window_start=_minutes(v.start, day), window_end=_minutes(v.end, day)) for v in visits]
    plan = solve(start_minute=opening, stops=stops, matrix=matrix)
    by_pk = {v.pk: v for v in visits}
    rows = []
    for position, stop in enumerate(plan.stops, start=1):
        visit = by_pk[stop.key]
        ticket = visit.ticket
        arrival = _at(day, stop.arrival)
        Appointment.objects.filter(pk=visit.pk).update(planned_arrival=arrival, route_position=position)
        rows.append({"appointment": visit.pk, "ticket": ticket.pk, "number": ticket.number,
                     "address": ticket.address, "latitude": float(ticket.latitude) if ticket.latitude else None,
                     "longitude": float(ticket.longitude) if ticket.longitude else None,
                     "window_start": timezone.localtime(visit.start).isoformat(),
                     "window_end": timezone.localtime(visit.end).isoformat(),
                     "arrival": timezone.localtime(arrival).isoformat(), "travel_minutes": stop.travel,
                     "km": stop.km, "late": stop.late})
    route, _created = RoutePlan.objects.update_or_create(
        technician=technician, date=day,
        defaults={"stops": rows, "travel_minutes": plan.travel_minutes, "distance_km": Decimal(str(plan.km)),
                  "feasible": plan.feasible, "provider": getattr(provider, "used", provider.name),
                  "planned_at": timezone.now()})
    return route


def route_for(*, technician: Technician, day: dt.date) -> RoutePlan:
    """The stored plan of the day, planned now if there is none yet."""
    route = RoutePlan.objects.filter(technician=technician, date=day).first()
    return route if route is not None else route_replan(technician=technician, day=day)
