from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from django.core import mail
from django.utils import timezone

from parts.forecast import compare_methods, forecast_weekly_demand, reorder_suggestion
from parts.models import DemandForecast, LowStockAlert, StockMovement
from parts.services import (
    demand_forecast_refresh,
    reservation_consume,
    reservation_create,
    stock_low_alerts_run,
    stock_receive,
    stock_reorder_point_set,
)
from tests import factories


def seasonal_series(weeks=156, seed=1):
    rng = random.Random(seed)
    return [max(0.0, round(20 + 10 * math.sin(2 * math.pi * t / 52) + rng.gauss(0, 3))) for t in range(weeks)]


def test_seasonal_methods_beat_plain_ones_on_seasonal_history():
    results = compare_methods(seasonal_series(), season=52, test_weeks=26)
    assert {r.method for r in results} == {"naive", "seasonal_naive", "ses", "holt", "holt_winters", "ses_seasonal"}
    by_name = {r.method: r for r in results}
    assert by_name["ses_seasonal"].mae < by_name["ses"].mae
    assert by_name["holt_winters"].mae < by_name["naive"].mae
    assert all(r.mape is not None and r.points == 26 for r in results)


def test_product_uses_seasonal_method_with_two_seasons():
    fc = forecast_weekly_demand(seasonal_series())
    assert fc.method == "ses_seasonal"
    assert fc.mae is not None
    assert fc.sigma > 0
    assert forecast_weekly_demand(seasonal_series()[:80]).method == "ses"


def test_short_history_falls_back():
    assert forecast_weekly_demand([]).weekly == 0
    assert forecast_weekly_demand([2, 4]).method == "mean"
    fc = forecast_weekly_demand([5, 6, 5, 7, 6, 5, 6, 7, 6, 5])
    assert fc.method == "ses"
    assert 4 < fc.weekly < 8


def test_reorder_suggestion():
    fc = forecast_weekly_demand([10] * 20)
    safety, rop, qty = reorder_suggestion(forecast=fc, lead_time_days=14, available=5, in_transit=3)
    assert safety == 0
    assert rop == 20
    assert qty == 20 + 10 - 8


@pytest.fixture
def busy_part(stocked):
    part, location = stocked
    stock_receive(part=part, location=location, quantity=200, by=None)
    today = timezone.localdate()
    for weeks_ago in range(1, 13):
        day = today - dt.timedelta(weeks=weeks_ago)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        import time_machine

        with time_machine.travel(at):
            r = reservation_create(part=part, location=location, quantity=3, by=None)
            reservation_consume(reservation=r, by=None)
    return part, location


def test_forecast_from_consumption(busy_part):
    part, location = busy_part
    fc = demand_forecast_refresh(part=part, location=location)
    assert fc.history_weeks >= 11
    assert float(fc.weekly_forecast) == pytest.approx(3, abs=0.5)
    assert fc.suggested_reorder_point >= 3
    assert DemandForecast.objects.count() == 1
    assert StockMovement.objects.filter(kind="consume").count() == 12


def test_daily_low_stock_alert_is_idempotent_and_mails_warehouse(stocked, warehouse_user, django_capture_on_commit_callbacks):
    part, location = stocked
    stock_reorder_point_set(part=part, location=location, reorder_point=10, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        alerts = stock_low_alerts_run()
    assert len(alerts) == 1
    assert (alerts[0].available, alerts[0].reorder_point, alerts[0].suggested_order_qty) == (10, 10, 10)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [warehouse_user.email]
    assert part.sku in mail.outbox[0].body
    assert "缺货预警" in mail.outbox[0].subject
    from tickets.models import OutboxMessage

    message = OutboxMessage.objects.get(event="parts.low_stock")
    assert (message.user, message.channel) == (warehouse_user, "email")
    with django_capture_on_commit_callbacks(execute=True):
        assert stock_low_alerts_run() == []
    assert LowStockAlert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_no_alert_above_reorder_point(stocked):
    part, location = stocked
    stock_reorder_point_set(part=part, location=location, reorder_point=3, by=None)
    assert stock_low_alerts_run() == []
    factories.LocationFactory(code="EMPTY")
    assert stock_low_alerts_run() == []
