from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tickets.exceptions import ValidationFailed
from tickets.models import CalendarDay
from tickets.sla.services import calendar_days_enter, calendar_load_library, parse_calendar_lines

pytestmark = pytest.mark.django_db


def test_command_loads_idempotently_and_keeps_manual_rows():
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarDay.objects.create(date=dt.date(2025, 10, 1), is_rest_day=False, name="本公司国庆值班", source="manual")
    out = io.StringIO()
    call_command("calendar_load", "--year", "2025", stdout=out)
    assert "created" in out.getvalue()
    assert CalendarDay.objects.filter(date__year=2025, source="library").count() > 20
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).source == "manual"
    assert calendar_load_library(years=[2025]) == {"created": 0, "updated": 0}


def test_overwrite_repairs_edited_library_rows():
    CalendarDay.objects.filter(date=dt.date(2024, 10, 1)).update(is_rest_day=False)
    assert calendar_load_library(years=[2024], overwrite=True)["updated"] == 1
    assert CalendarDay.objects.get(date=dt.date(2024, 10, 1)).is_rest_day is True


def test_parse_lines_and_bad_input_changes_nothing():
    entries = parse_calendar_lines("# 2031\n2031-01-01 休 元旦\n2031-01-26~2031-01-28 rest 春节\n2031-02-08 班")
    assert len(entries) == 5
    assert entries[-1] == (dt.date(2031, 2, 8), False, "")
    for bad in ("", "2031-01-01", "2031-01-01 放 元旦", "2031-03-01~2031-01-01 休", "2031-01-01~2031-06-01 休"):
        with pytest.raises(ValidationFailed):
            calendar_days_enter(text=bad)
    assert not CalendarDay.objects.filter(date__year=2031).exists()
