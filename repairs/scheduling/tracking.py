"""The way to the customer: the expected arrival when the technician sets off, updated from the
technician's location pings, and arrival inside a radius. Pings are kept only while the technician is
on the way and deleted on arrival, because a movement track is personal data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.exceptions import ValidationFailed
from tickets.geo import distance_m
from tickets.lifecycle import after_commit
from tickets.models import Ticket

from ..models import RepairVisit, Technician
from .maps import MapProvider, Point, eta_minutes
from .models import LocationPing

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: Inside this distance of the customer's address the technician has arrived.
ARRIVAL_RADIUS_M = int(getattr(settings, "SCHEDULING_ARRIVAL_RADIUS_M", 150))
#: A last known position older than this does not tell where a departing technician is.
FRESH_POSITION = dt.timedelta(minutes=15)


def _customer_point(ticket: Ticket) -> Point | None:
    if ticket.latitude is None or ticket.longitude is None:
        return None
    return Point(float(ticket.latitude), float(ticket.longitude))


def departure_origin(technician: Technician, *, now: dt.datetime) -> Point:
    """Where a departing technician is: the fresh last position, else the centre."""
    if technician.last_latitude is not None and technician.last_seen_at and now - technician.last_seen_at <= FRESH_POSITION:
        return Point(float(technician.last_latitude), float(technician.last_longitude))
    center = technician.center
    return Point(float(center.latitude), float(center.longitude))


def departure_eta(*, ticket: Ticket, technician: Technician, now: dt.datetime, eta_minutes_given: int | None = None,
                  provider: MapProvider | None = None) -> dt.datetime | None:
    """The expected arrival: the technician's own estimate if given, else the map's travel time."""
    if eta_minutes_given:
        return now + dt.timedelta(minutes=int(eta_minutes_given))
    target = _customer_point(ticket)
    if target is None:
        return None
    return now + dt.timedelta(minutes=eta_minutes(departure_origin(technician, now=now), target, provider))


def _broadcast_eta(ticket_id: int, status: str, eta: str) -> None:
    from tickets.realtime import broadcast_ticket_event

    # Not a timeline event: the page re-fetches its live part and shows the new time.
    broadcast_ticket_event(ticket_id, {"status": status, "event": {
        "kind": "visit.eta", "customer_visible": True, "payload": {"eta": eta}}})


def _parse(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal]:
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except Exception as exc:
        raise ValidationFailed(_("定位坐标无效。")) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(_("定位坐标超出范围。"))
    return lat, lon


@transaction.atomic
def location_ping(*, ticket: Ticket, technician: Technician, latitude: Any, longitude: Any,
                  by: AbstractBaseUser | None = None, provider: MapProvider | None = None) -> dict:
    """Record where the technician on the way is, update the expected arrival, and mark arrival
    inside ``ARRIVAL_RADIUS_M`` (the check-in, which also deletes the track). Only while on the way:
    otherwise ValidationFailed and nothing is stored. Returns ``{"state", "eta", "distance_m"}``."""
    from repairs.services.diagnosis import visit_check_in

    lat, lon = _parse(latitude, longitude)
    now = timezone.now()
    visit = (RepairVisit.objects.select_for_update(of=("self",)).select_related("ticket")
             .filter(ticket_id=ticket.pk, technician=technician, departed_at__isnull=False,
                     checked_in_at__isnull=True, checked_out_at__isnull=True).first())
    if visit is None:
        raise ValidationFailed(_("您尚未出发前往该工单，无需上报位置。"), code="not_en_route")
    ticket = visit.ticket
    Technician.objects.filter(pk=technician.pk).update(last_latitude=lat, last_longitude=lon, last_seen_at=now)
    target = _customer_point(ticket)
    distance = distance_m(lat, lon, *(target.latitude, target.longitude)) if target else None
    if distance is not None and distance <= ARRIVAL_RADIUS_M:
        visit_check_in(ticket=ticket, technician=technician, latitude=lat, longitude=lon, by=by)
        return {"state": "arrived", "eta": None, "distance_m": distance}
    LocationPing.objects.create(visit=visit, latitude=lat, longitude=lon, at=now)
    if target is not None:
        eta = now + dt.timedelta(minutes=eta_minutes(Point(float(lat), float(lon)), target, provider))
        if visit.eta_at is None or abs((eta - visit.eta_at).total_seconds()) >= 60:
            visit.eta_at = eta
            visit.save(update_fields=["eta_at", "updated_at"])
            after_commit(_broadcast_eta, ticket.pk, ticket.status, timezone.localtime(eta).strftime("%H:%M"))
    return {"state": "en_route", "eta": visit.eta_at, "distance_m": distance}


def location_track_forget(*, visit: RepairVisit) -> int:
    """Delete the track of a visit that arrived (or ended): kept only while en route."""
    deleted, _rows = LocationPing.objects.filter(visit=visit).delete()
    return deleted
