"""Cells as Excel and WPS leave them: dates in Chinese formats and as serials, phones as numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tickets.importing import cells
from tickets.importing.reading import FileError, sniff


@pytest.mark.parametrize(("raw", "expected"), [
    ("2025-03-04", dt.date(2025, 3, 4)),
    ("2025/3/4", dt.date(2025, 3, 4)),
    ("2025.3.4", dt.date(2025, 3, 4)),
    ("2025年3月4日", dt.date(2025, 3, 4)),
    (" 2025 年 3 月 4 日 ", dt.date(2025, 3, 4)),
    ("20250304", dt.date(2025, 3, 4)),
    ("2025-03-04 00:00:00", dt.date(2025, 3, 4)),
    (45720, dt.date(2025, 3, 4)),
    (45720.0, dt.date(2025, 3, 4)),
    ("45720", dt.date(2025, 3, 4)),
    (dt.datetime(2025, 3, 4, 10, 30), dt.date(2025, 3, 4)),
])
def test_dates_in_every_common_form(raw, expected):
    assert cells.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "3/4/2025", "昨天", 12])
def test_bad_dates_are_refused_in_chinese(raw):
    with pytest.raises(cells.CellError) as exc:
        cells.parse_date(raw)
    assert "日期" in exc.value.reason


@pytest.mark.parametrize(("raw", "expected"), [
    (13800138000, "13800138000"),
    (13800138000.0, "13800138000"),
    ("13800138000.0", "13800138000"),
    ("1.3800138123E+10", "13800138123"),
    ("+86 138-0013-8000", "13800138000"),
    ("021-64000000", "02164000000"),
])
def test_phones_excel_turned_into_numbers_are_recovered(raw, expected):
    assert cells.parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1.38001E+10", "1.3800138E+10"])
def test_phone_in_scientific_notation_that_lost_digits_is_refused_clearly(raw):
    """Excel shows 13800138123 as 1.38001E+10: the last digits are gone and guessing them would store
    a stranger's number."""
    with pytest.raises(cells.CellError) as exc:
        cells.parse_phone(raw)
    assert "科学计数法" in exc.value.reason
    assert "文本" in exc.value.reason


def test_numbers_choices_and_booleans():
    assert cells.parse_decimal("¥1,299.5") == Decimal("1299.50")
    with pytest.raises(cells.CellError):
        cells.parse_decimal("1.234")
    with pytest.raises(cells.CellError):
        cells.parse_int("2.5")
    assert cells.parse_bool("是") is True
    assert cells.parse_bool("否") is False
    assert cells.parse_choice("线上商城", [("online", "线上商城")]) == "online"
    assert cells.parse_choice("ONLINE", [("online", "线上商城")]) == "online"
    with pytest.raises(cells.CellError) as exc:
        cells.parse_choice("淘宝", [("online", "线上商城"), ("store", "线下门店")])
    assert "线上商城、线下门店" in exc.value.reason
    assert cells.parse_list("a，b、c;a") == ["a", "b", "c"]


def test_encodings_are_detected_from_the_bytes():
    text = "姓名,电话\n张三,13800138000\n"
    assert sniff(text.encode("utf-8")).encoding == "utf-8"
    assert sniff(b"\xef\xbb\xbf" + text.encode("utf-8")).encoding == "utf-8-sig"
    assert sniff(text.encode("gb18030")).encoding == "gb18030"
    assert sniff(text.encode("gbk")).encoding == "gb18030"
    assert sniff(b"PK\x03\x04rest").format == "xlsx"
    with pytest.raises(FileError) as exc:
        sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert ".xls" in exc.value.reason
