from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tickets.calendar import (
    BusinessCalendar,
    business_add,
    business_between,
    is_rest_day,
    library_entries,
    years_without_calendar,
)
from tickets.models import CalendarDay

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {str(d): ["09:00", "18:00"] for d in range(5)}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_library_entries_include_holidays_and_makeup_days():
    entries = {d: (rest, name) for d, rest, name in library_entries([2024])}
    assert entries[dt.date(2024, 10, 1)] == (True, "国庆节")
    assert entries[dt.date(2024, 2, 4)][0] is False  # Sunday make-up working day before 春节
    assert "调休" in entries[dt.date(2024, 2, 4)][1]


@pytest.mark.django_db
def test_migration_loaded_library_years():
    assert CalendarDay.objects.filter(date__year=2025, source="library").exists()


@pytest.mark.django_db
def test_is_rest_day_table_and_weekend_rule():
    assert is_rest_day(dt.date(2024, 10, 1))  # National Day, a Tuesday
    assert not is_rest_day(dt.date(2024, 2, 4))  # Sunday, 调休 working day
    assert is_rest_day(dt.date(2024, 3, 2))  # plain Saturday
    assert not is_rest_day(dt.date(2024, 3, 4))  # plain Monday
    # Staff edits win over the plain rule.
    CalendarDay.objects.create(date=dt.date(2030, 3, 4), is_rest_day=True, name="测试假日")
    assert is_rest_day(dt.date(2030, 3, 4))


@pytest.mark.django_db
def test_business_add_skips_nights_weekends_and_holidays():
    # Friday 2024-03-08 17:00 + 2h → Monday 03-11 10:00 (one hour Friday, one Monday).
    assert business_add(at(2024, 3, 8, 17), 2, center=WEEKDAYS) == at(2024, 3, 11, 10)
    # Friday 2024-09-27 17:00 + 2h → Sunday 09-29 10:00, a make-up working day for National Day.
    assert business_add(at(2024, 9, 27, 17), 2, center=WEEKDAYS) == at(2024, 9, 29, 10)
    # Monday 2024-09-30 17:00 + 2h: Oct 1-7 is National Day; Oct 8 is a Tuesday working day.
    assert business_add(at(2024, 9, 30, 17), 2, center=WEEKDAYS) == at(2024, 10, 8, 10)
    # Before opening: starts counting at 09:00.
    assert business_add(at(2024, 3, 4, 7), 1, center=WEEKDAYS) == at(2024, 3, 4, 10)


@pytest.mark.django_db
def test_makeup_working_day_counts_even_if_weekday_closed():
    # Sunday 2024-02-04 is a 调休 working day; a Mon-Fri center works it with Monday's hours.
    assert business_add(at(2024, 2, 4, 8), 3, center=WEEKDAYS) == at(2024, 2, 4, 12)


@pytest.mark.django_db
def test_business_between_is_inverse_of_add():
    start = at(2024, 9, 27, 16, 30)
    end = business_add(start, 20, center=WEEKDAYS)
    assert business_between(start, end, center=WEEKDAYS) == dt.timedelta(hours=20)
    assert business_between(end, start, center=WEEKDAYS) == dt.timedelta(0)


@pytest.mark.django_db
def test_center_open_every_day_still_closes_on_holidays():
    cal = BusinessCalendar(None)  # default: 09:00-18:00 every day of the week
    assert cal.window(dt.date(2024, 3, 2)) is None  # Saturday rest day by the calendar rule
    assert cal.window(dt.date(2024, 10, 3)) is None


@pytest.mark.django_db
def test_years_without_calendar():
    assert years_without_calendar(today=dt.date(2025, 6, 1)) == []
    assert years_without_calendar(today=dt.date(2031, 6, 1)) == [2031, 2032]


@pytest.mark.django_db
def test_is_rest_day_accepts_aware_datetimes():
    assert is_rest_day(at(2024, 10, 1, 23, 30))
    # 2024-09-30 16:30 UTC is already 10-01 in Shanghai.
    assert is_rest_day(dt.datetime(2024, 9, 30, 16, 30, tzinfo=dt.UTC))
