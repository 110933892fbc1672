"""Reads of the parts app (joins and aggregates live here, not in views or admin)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets.geo import distance_km

from .models import Location, Part, Reservation, StockLevel, StockMovement, Transfer


def location_coordinates(location: Location) -> tuple[float, float] | None:
    """A location's own coordinates, else its service center's, else its technician's center's."""
    if location.latitude is not None and location.longitude is not None:
        return float(location.latitude), float(location.longitude)
    center = location.center if location.center_id else None
    if center is None and location.technician_id:
        center = location.technician.center
    if center is not None:
        return float(center.latitude), float(center.longitude)
    return None


def _in_transit_subquery() -> Subquery:
    shipped = (Transfer.objects.filter(status=Transfer.Status.SHIPPED, part=OuterRef("part"),
                                       destination=OuterRef("location"))
               .values("part").annotate(total=Sum("quantity")).values("total"))
    return Coalesce(Subquery(shipped, output_field=IntegerField()), Value(0))


def stock_level_list(*, location: Location | None = None, part: Part | None = None,
                     low_only: bool = False) -> QuerySet[StockLevel]:
    """Stock levels with ``available_qty`` and ``in_transit_qty`` annotated (constant queries per page)."""
    qs = StockLevel.objects.select_related("part", "location").annotate(
        available_qty=F("on_hand") - F("reserved"), in_transit_qty=_in_transit_subquery())
    if location is not None:
        qs = qs.filter(location=location)
    if part is not None:
        qs = qs.filter(part=part)
    if low_only:
        qs = qs.filter(reorder_point__gt=0, available_qty__lte=F("reorder_point"))
    return qs


def stock_in_transit(*, location: Location, part: Part | None = None) -> int:
    """Units shipped toward ``location`` and not yet received (kept apart from on-hand)."""
    qs = Transfer.objects.filter(status=Transfer.Status.SHIPPED, destination=location)
    if part is not None:
        qs = qs.filter(part=part)
    return qs.aggregate(total=Coalesce(Sum("quantity"), 0))["total"]


def movement_history(*, part: Part, location: Location | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.filter(part=part).select_related("location", "actor", "ticket")
    if location is not None:
        qs = qs.filter(location=location)
    return qs.order_by("-created_at", "-id")


def reservation_list_active(*, ticket: Any = None) -> QuerySet[Reservation]:
    qs = Reservation.objects.filter(status=Reservation.Status.ACTIVE).select_related("part", "location")
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    return qs


@dataclass(frozen=True)
class SourceSuggestion:
    location: Location
    available: int
    distance_km: float | None


def transfer_source_suggestions(*, part: Part, destination: Location, quantity: int = 1,
                                limit: int = 5) -> list[SourceSuggestion]:
    """Other active locations with at least ``quantity`` available, nearest first.

    Locations without coordinates come last. Vans and defective stores are never suggested.
    """
    levels = (StockLevel.objects.filter(part=part, location__is_active=True)
              .exclude(location=destination)
              .exclude(location__kind__in=[Location.Kind.VAN, Location.Kind.DEFECTIVE])
              .annotate(available_qty=F("on_hand") - F("reserved"))
              .filter(available_qty__gte=quantity)
              .select_related("location", "location__center", "location__technician__center"))
    origin = location_coordinates(destination)
    out = []
    for level in levels:
        coords = location_coordinates(level.location)
        distance = distance_km(*origin, *coords) if origin and coords else None
        out.append(SourceSuggestion(level.location, level.available_qty, distance))
    out.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0.0, -s.available))
    return out[:limit]


def ledger_differences() -> list[dict]:
    """Every stock level whose numbers differ from the sum of its ledger rows (should be empty)."""
    sums = {(r["part"], r["location"]): r for r in StockMovement.objects.values("part", "location").annotate(
        on_hand_sum=Sum("on_hand_delta"), reserved_sum=Sum("reserved_delta"))}
    diffs = []
    seen = set()
    for level in StockLevel.objects.select_related("part", "location"):
        key = (level.part_id, level.location_id)
        seen.add(key)
        row = sums.get(key, {"on_hand_sum": 0, "reserved_sum": 0})
        if row["on_hand_sum"] != level.on_hand or row["reserved_sum"] != level.reserved:
            diffs.append({"part": level.part.sku, "location": level.location.code, "on_hand": level.on_hand,
                          "ledger_on_hand": row["on_hand_sum"], "reserved": level.reserved,
                          "ledger_reserved": row["reserved_sum"]})
    for key, row in sums.items():
        if key not in seen and (row["on_hand_sum"] or row["reserved_sum"]):
            diffs.append({"part": key[0], "location": key[1], "on_hand": None, "ledger_on_hand": row["on_hand_sum"],
                          "reserved": None, "ledger_reserved": row["reserved_sum"]})
    return diffs


def weekly_consumption(*, part: Part, location: Location, weeks: int = 104,
                       today: dt.date | None = None) -> list[int]:
    """Units consumed per week (oldest first) over the last ``weeks`` full weeks (Monday-based)."""
    today = today or timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    start = this_monday - dt.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end_at = dt.datetime.combine(this_monday, dt.time.min, tzinfo=tz)
    series = [0] * weeks
    rows = StockMovement.objects.filter(part=part, location=location, kind=StockMovement.Kind.CONSUME,
                                        created_at__gte=start_at, created_at__lt=end_at).values_list(
        "created_at", "on_hand_delta")
    for at, delta in rows:
        index = (timezone.localtime(at).date() - start).days // 7
        series[index] += -delta
    first = next((i for i, v in enumerate(series) if v), None)
    return series[first:] if first is not None else []


def serial_unit_warranty_end(*, unit: Any) -> dt.date | None:
    """The last day of the part's own warranty (备件保修) for a fitted unit: fitting day + ``warranty_days``."""
    if unit.fitted_at is None:
        return None
    return timezone.localtime(unit.fitted_at).date() + dt.timedelta(days=unit.part.warranty_days)


def serial_unit_by_serial(*, serial: str) -> Any:
    """The unit with ``serial`` (case-insensitive input), with its part and location, or None."""
    from .models import SerialUnit

    return (SerialUnit.objects.select_related("part", "location", "fitted_ticket")
            .filter(serial=(serial or "").strip().upper()).first())


def consumption_between(*, start, end) -> QuerySet:
    """Parts fitted in [start, end): one row per ledger entry, with the centre that holds the location (a van
    stock belongs to its technician's centre)."""
    from django.db.models.functions import Coalesce

    from .models import StockMovement

    return (StockMovement.objects.filter(kind=StockMovement.Kind.CONSUME, created_at__gte=start, created_at__lt=end)
            .annotate(centre_id=Coalesce("location__center_id", "location__technician__center_id"))
            .values("part_id", "centre_id", "created_at", "on_hand_delta"))


def stockouts_between(*, start_day, end_day) -> QuerySet:
    """Low-stock alerts raised with nothing left to use, per day in [start_day, end_day]."""
    from django.db.models.functions import Coalesce

    from .models import LowStockAlert

    return (LowStockAlert.objects.filter(day__gte=start_day, day__lte=end_day, available__lte=0)
            .annotate(centre_id=Coalesce("location__center_id", "location__technician__center_id"))
            .values("part_id", "centre_id", "day"))
