"""Replenishment: demand forecasts, reorder suggestions and the daily low-stock alert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.roles import WAREHOUSE

from ..forecast import forecast_weekly_demand, reorder_suggestion
from ..models import DemandForecast, Location, LowStockAlert, Part, StockLevel
from ..selectors import stock_in_transit, stock_level_list, weekly_consumption

SEASON_WEEKS = 52


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


@transaction.atomic
def demand_forecast_refresh(*, part: Part, location: Location, today: dt.date | None = None) -> DemandForecast:
    """Recompute the weekly forecast and reorder suggestion for one part × location from its consumption.

    The method is chosen per series by a rolling back-test (``parts.forecast``); MAE/MAPE are kept
    with the forecast. Writes only the ``DemandForecast`` row, never stock.
    """
    series = weekly_consumption(part=part, location=location, today=today)
    forecast = forecast_weekly_demand(series, season=SEASON_WEEKS)
    level = StockLevel.objects.filter(part=part, location=location).first()
    available = level.available if level else 0
    safety, reorder_point, order_qty = reorder_suggestion(
        forecast=forecast, lead_time_days=part.lead_time_days, available=available,
        in_transit=stock_in_transit(location=location, part=part))
    record, _created = DemandForecast.objects.update_or_create(
        part=part, location=location,
        defaults={"method": forecast.method, "weekly_forecast": _dec(forecast.weekly), "mae": _dec(forecast.mae),
                  "mape": _dec(forecast.mape), "safety_stock": safety, "suggested_reorder_point": reorder_point,
                  "suggested_order_qty": order_qty, "history_weeks": forecast.history_weeks,
                  "computed_at": timezone.now()},
    )
    return record


def demand_forecasts_refresh_all(*, today: dt.date | None = None) -> int:
    """Refresh the forecast of every stock level of an active part (each in its own transaction)."""
    count = 0
    for level in StockLevel.objects.filter(part__is_active=True).select_related("part", "location"):
        demand_forecast_refresh(part=level.part, location=level.location, today=today)
        count += 1
    return count


@transaction.atomic
def stock_low_alerts_run(*, today: dt.date | None = None) -> list[LowStockAlert]:
    """Raise today's low-stock alerts: available + in transit at or below the reorder point.

    Idempotent per day (one alert per part × location × day). Queues one digest of the new alerts to
    the warehouse staff through the outbox (``low_stock_notify``). Returns the new alerts.
    """
    today = today or timezone.localdate()
    forecasts = {(f.part_id, f.location_id): f for f in DemandForecast.objects.all()}
    created = []
    levels = stock_level_list(low_only=False).filter(reorder_point__gt=0, part__is_active=True,
                                                    location__is_active=True)
    for level in levels:
        position = level.available_qty + level.in_transit_qty
        if position > level.reorder_point:
            continue
        fc = forecasts.get((level.part_id, level.location_id))
        # Top up to twice the set reorder point at least, more if the forecast asks for more.
        suggested = max(fc.suggested_order_qty if fc else 0, level.reorder_point * 2 - position, 0)
        alert, was_created = LowStockAlert.objects.get_or_create(
            part=level.part, location=level.location, day=today,
            defaults={"available": level.available_qty, "reorder_point": level.reorder_point,
                      "suggested_order_qty": suggested},
        )
        if was_created:
            created.append(alert)
    if created:
        low_stock_notify(alerts=created, day=today)
    return created


def low_stock_notify(*, alerts: list[LowStockAlert], day: dt.date) -> list:
    """Queue one digest of ``alerts`` to every active warehouse user (仓管) through the outbox.

    Written in the caller's transaction (the outbox delivers after commit, retries and never sends
    twice); idempotent per day and alert batch. Returns the outbox messages.
    """
    from tickets.outbox.services import outbox_notify_staff

    users = list(get_user_model().objects.filter(groups__name=WAREHOUSE, is_active=True).distinct())
    if not users:
        return []
    lines = [_("%(sku)s %(name)s @ %(location)s：可用 %(available)s，补货点 %(rop)s，建议补货 %(qty)s")
             % {"sku": a.part.sku, "name": a.part.name, "location": a.location.name, "available": a.available,
                "rop": a.reorder_point, "qty": a.suggested_order_qty} for a in alerts]
    lines_en = [f"{a.part.sku} @ {a.location.code}: available {a.available}, reorder point {a.reorder_point}, "
                f"suggested order {a.suggested_order_qty}" for a in alerts]
    ids = sorted(a.pk for a in alerts)
    return outbox_notify_staff(
        event="parts.low_stock", users=users, context={"count": len(alerts), "lines": lines, "lines_en": lines_en},
        idempotency_key=f"parts.low_stock:{day.isoformat()}:{ids[0]}-{ids[-1]}",
    )


@transaction.atomic
def low_stock_alerts_acknowledge(*, alert_ids: list[int], by) -> int:
    """Mark open alerts as seen by ``by``; returns how many were newly acknowledged."""
    from .stock import require_perm

    require_perm(by, "parts.change_lowstockalert")
    return LowStockAlert.objects.filter(pk__in=alert_ids, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=by if getattr(by, "pk", None) else None)
