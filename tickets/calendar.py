"""The Chinese business calendar: rest days, working hours and business-time arithmetic.

Rest days come from the editable ``CalendarDay`` table (public holidays and make-up working days,
调休, loaded from the chinesecalendar library and entered by staff for later years); any day not in the
table follows the plain rule: Saturday and Sunday rest, Monday to Friday work.

Working hours come from a service center's ``opening_hours`` (``{"0": ["09:00", "18:00"], ...}``,
0 = Monday, a missing weekday means closed). A business hour is an hour inside the opening hours of a
day that is not a rest day. Without a center the default is 09:00-18:00.

Reads only; the writes (loading the library, entering a year) are services in ``tickets.sla.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.utils import timezone

DEFAULT_HOURS: dict[str, list[str]] = {str(d): ["09:00", "18:00"] for d in range(7)}
# Guard against a calendar with no working time at all: never walk further than this.
MAX_SCAN_DAYS = 3 * 366


def _weekend_rule(day: dt.date) -> bool:
    return day.weekday() >= 5


def is_rest_day(day: dt.date) -> bool:
    """True when ``day`` is a rest day: a holiday in the calendar table, or a weekend not marked as a
    make-up working day (调休)."""
    from tickets.models import CalendarDay

    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    row = CalendarDay.objects.filter(date=day).values_list("is_rest_day", flat=True).first()
    if row is None:
        return _weekend_rule(day)
    return bool(row)


def rest_day_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The calendar table's entries between ``start`` and ``end`` inclusive, in one query."""
    from tickets.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_rest_day"))


def years_without_calendar(*, today: dt.date | None = None) -> list[int]:
    """The current and the coming year, where the table has no entry for them (the admin warns)."""
    from tickets.models import CalendarDay

    today = today or timezone.localdate()
    years = (today.year, today.year + 1)
    # One query for both years: the admin asks on every page of the ticket list.
    present = set(CalendarDay.objects.filter(date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[1], 12, 31))
                  .order_by().values_list("date__year", flat=True).distinct())
    return [y for y in years if y not in present]


# -- library ---------------------------------------------------------------------------------------

def library_years() -> list[int]:
    """Years the installed chinesecalendar library covers."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays})


def library_entries(years: Iterable[int] | None = None) -> list[tuple[dt.date, bool, str]]:
    """``(date, is_rest_day, Chinese name)`` for every holiday and make-up working day the
    chinesecalendar library knows, optionally limited to ``years``. Pure: touches no database."""
    from chinese_calendar import constants

    names = {h.value: h.chinese for h in constants.Holiday}
    wanted = set(years) if years is not None else None
    out: list[tuple[dt.date, bool, str]] = []
    for day, name in constants.holidays.items():
        if wanted is None or day.year in wanted:
            out.append((day, True, names.get(name, name or "")))
    for day, name in constants.workdays.items():
        if wanted is None or day.year in wanted:
            out.append((day, False, f"{names.get(name, name or '')}调休"))
    out.sort()
    return out


# -- working hours -----------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _parse_hhmm(value: str) -> dt.time:
    hh, mm = value.strip().split(":")
    return dt.time(int(hh), int(mm))


def parse_opening_hours(opening_hours: Mapping | None) -> dict[int, tuple[dt.time, dt.time]]:
    """``{"0": ["09:00", "18:00"]}`` → ``{0: (time(9), time(18))}``; bad or empty entries are closed days."""
    hours = opening_hours if opening_hours else DEFAULT_HOURS
    out: dict[int, tuple[dt.time, dt.time]] = {}
    for key, span in hours.items():
        try:
            wd = int(key)
            start, end = _parse_hhmm(span[0]), _parse_hhmm(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        if 0 <= wd <= 6 and start < end:
            out[wd] = (start, end)
    return out


def _hours_of(center_or_hours) -> dict[int, tuple[dt.time, dt.time]]:
    if center_or_hours is None:
        return parse_opening_hours(None)
    if isinstance(center_or_hours, Mapping):
        return parse_opening_hours(center_or_hours)
    return parse_opening_hours(getattr(center_or_hours, "opening_hours", None))


class BusinessCalendar:
    """Working windows of one center (or the default hours) over the calendar table.

    Loads calendar entries lazily in 90-day chunks, so a computation costs one query per chunk.
    """

    CHUNK_DAYS = 90

    def __init__(self, center_or_hours=None):
        self.hours = _hours_of(center_or_hours)
        self._overrides: dict[dt.date, bool] = {}
        self._loaded: list[tuple[dt.date, dt.date]] = []
        self.tz = timezone.get_current_timezone()

    def _ensure(self, day: dt.date) -> None:
        for a, b in self._loaded:
            if a <= day <= b:
                return
        start = day - dt.timedelta(days=self.CHUNK_DAYS)
        end = day + dt.timedelta(days=self.CHUNK_DAYS)
        self._overrides.update(rest_day_overrides(start, end))
        self._loaded.append((start, end))

    def is_rest_day(self, day: dt.date) -> bool:
        self._ensure(day)
        if day in self._overrides:
            return self._overrides[day]
        return _weekend_rule(day)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The aware working window of ``day``, or None on a rest day or a closed weekday.

        A make-up working day (调休) falling on a weekday the center does not list uses Monday's hours
        (or the first listed weekday's)."""
        if self.is_rest_day(day):
            return None
        span = self.hours.get(day.weekday())
        if span is None:
            self._ensure(day)
            if self._overrides.get(day) is False and self.hours:
                span = self.hours.get(0) or self.hours[min(self.hours)]
            else:
                return None
        start = timezone.make_aware(dt.datetime.combine(day, span[0]), self.tz)
        end = timezone.make_aware(dt.datetime.combine(day, span[1]), self.tz)
        return start, end

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant when ``duration`` of business time has passed after ``start``."""
        if duration <= dt.timedelta(0):
            return start
        if not self.hours:
            raise ValueError("no working hours")
        remaining = duration
        local = timezone.localtime(start, self.tz)
        day = local.date()
        for _ in range(MAX_SCAN_DAYS):
            win = self.window(day)
            if win is not None:
                begin = max(win[0], local)
                if begin < win[1]:
                    available = win[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("no working time within the scan limit")

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time between two instants (zero when ``end`` is not after ``start``)."""
        if end <= start:
            return dt.timedelta(0)
        a = timezone.localtime(start, self.tz)
        b = timezone.localtime(end, self.tz)
        total = dt.timedelta(0)
        day = a.date()
        while day <= b.date():
            win = self.window(day)
            if win is not None:
                lo, hi = max(win[0], a), min(win[1], b)
                if lo < hi:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total


def business_add(start: dt.datetime, hours: float | dt.timedelta, *, center=None) -> dt.datetime:
    """``start`` plus ``hours`` business hours of ``center`` (a ServiceCenter, an opening-hours dict
    or None for the default 09:00-18:00)."""
    duration = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=float(hours))
    return BusinessCalendar(center).add(start, duration)


def business_between(start: dt.datetime, end: dt.datetime, *, center=None) -> dt.timedelta:
    """Business time of ``center`` between ``start`` and ``end``."""
    return BusinessCalendar(center).between(start, end)
