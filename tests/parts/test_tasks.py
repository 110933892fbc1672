from __future__ import annotations

from django.core.management import call_command
from django_q.models import Schedule

from parts.models import DemandForecast, LowStockAlert
from parts.services import stock_reorder_point_set
from parts.tasks import stock_low_alerts_daily


def test_daily_task_refreshes_forecasts_and_raises_alerts(stocked):
    part, location = stocked
    stock_reorder_point_set(part=part, location=location, reorder_point=12, by=None)
    assert stock_low_alerts_daily() == 1
    assert stock_low_alerts_daily() == 0
    assert DemandForecast.objects.filter(part=part, location=location).exists()
    assert LowStockAlert.objects.get().suggested_order_qty >= 14


def test_schedules_command_is_idempotent(db, capsys):
    Schedule.objects.filter(name__startswith="parts.").delete()
    call_command("parts_schedules")
    call_command("parts_schedules")
    out = capsys.readouterr().out
    assert "parts.reservations_expire_due" in out
    assert Schedule.objects.filter(name__startswith="parts.").count() == 2
    daily = Schedule.objects.get(name="parts.stock_low_alerts_daily")
    assert daily.schedule_type == Schedule.DAILY
