"""Date arithmetic of the 三包 periods (民法典 art. 201–203; sanbao.md C2, C3)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

RestDay = Callable[[dt.date], bool]
MAX_POSTPONE_DAYS = 40  # longer than any Chinese holiday run; guards against a broken calendar


def add_months(start: dt.date, months: int) -> dt.date:
    """End of an N-month period starting on ``start`` (C2).

    The start day is not counted; the period ends on the day of the final month matching the start
    day, or on that month's last day when it has no such day (31 Jan + 1 month = 28/29 Feb).
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def add_days(start: dt.date, days: int) -> dt.date:
    """End of an N-day period: day 1 is the day after ``start`` (C2, art. 201)."""
    return start + dt.timedelta(days=days)


def postpone(day: dt.date, is_rest_day: RestDay) -> dt.date:
    """If a period's last day is a rest day, the first working day after the rest run is the last day (C3)."""
    result = day
    for _ in range(MAX_POSTPONE_DAYS):
        if not is_rest_day(result):
            return result
        result += dt.timedelta(days=1)
    return result
