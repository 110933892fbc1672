"""django-q2 task entry points (scheduled by ``parts.schedules``). Each calls one service."""

from __future__ import annotations


def reservations_expire_due() -> int:
    from .services import reservations_expire_due as run

    return run()


def stock_low_alerts_daily() -> int:
    from .services import demand_forecasts_refresh_all, stock_low_alerts_run

    demand_forecasts_refresh_all()
    return len(stock_low_alerts_run())
