"""Cell parsers for spreadsheets as ops really have them.

Excel and WPS change what people typed: phone numbers become numbers (``13800138000.0``) or scientific
notation (``1.38001E+10``), dates become serial numbers (``45720``) or ``2025年3月4日``, text gets
full-width commas and stray spaces. Each parser takes the raw cell (str, int, float, date, datetime or
None) and returns a Python value or raises ``CellError`` with a reason in Chinese; it never guesses
silently where a guess could store a wrong value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..validators import normalize_phone


class CellError(ValueError):
    """A cell that cannot be read; ``reason`` is shown to the user next to the row and column."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """The cell as text: numbers Excel stored as floats lose their ``.0`` (codes such as 1001)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).replace("\u3000", " ").strip()


# --- dates ------------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (it counts the non-existent 1900-02-29)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_PART_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SERIAL_DATE_RE = re.compile(r"\d{4,5}(\.\d+)?")


def parse_date(value: Any) -> dt.date:
    """2025-03-04, 2025/3/4, 2025.3.4, 2025年3月4日, 20250304, an Excel serial (45720) or a cell
    Excel already typed as a date (a time part is dropped)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
    raw = text(value)
    # "2025-03-04 00:00:00" from a spreadsheet that stored a datetime as text
    raw = _TIME_PART_RE.sub("", raw).strip()
    match = _DATE_RE.match(raw) or _DATE_COMPACT_RE.match(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise CellError(_("日期不存在")) from None
    if _SERIAL_DATE_RE.fullmatch(raw):
        return _from_serial(float(raw))
    raise CellError(_("无法识别的日期，请写成 2025-03-04、2025/3/4 或 2025年3月4日"))


def _from_serial(serial: float) -> dt.date:
    # 1 = 1900-01-01 .. 2958465 = 9999-12-31; a plausible business date is 1990..2100.
    if not 32874 <= serial <= 73051:
        raise CellError(_("无法识别的日期（数字 %(value)s 不是 Excel 日期）") % {"value": text(serial)})
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


# --- phones -----------------------------------------------------------------------------------------

_SCI_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def parse_phone(value: Any) -> str:
    """A mainland phone number. A number Excel stored exactly (13800138000 or 13800138000.0) is
    recovered; scientific notation that lost digits (1.38001E+10) is refused, naming the cause."""
    if isinstance(value, bool):
        raise CellError(_("电话号码无效"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("电话号码不能有小数"))
        value = int(value)
    raw = text(value)
    if _SCI_RE.match(raw):
        mantissa = raw.lower().split("e")[0]
        exponent = int(raw.lower().split("e")[1])
        significant = len(mantissa.replace(".", "").lstrip("0"))
        if significant < exponent + 1:
            raise CellError(_("电话号码被 Excel 转成了科学计数法，丢失了数字；请把该列设为“文本”格式后重新输入"))
        raw = str(int(Decimal(raw)))
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    try:
        return normalize_phone(raw)
    except ValidationError:
        raise CellError(_("电话号码无效（须为 11 位手机号或带区号的座机号）")) from None


# --- numbers ----------------------------------------------------------------------------------------

def parse_decimal(value: Any, *, places: int = 2, minimum: Decimal | None = Decimal(0)) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("必须是数字"))
    raw = text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("必须是数字")) from None
    if not number.is_finite():
        raise CellError(_("必须是数字"))
    if minimum is not None and number < minimum:
        raise CellError(_("不能小于 %(min)s") % {"min": minimum})
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise CellError(_("最多 %(places)s 位小数") % {"places": places})
    return number.quantize(quantum)


def parse_int(value: Any, *, minimum: int | None = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise CellError(_("必须是整数"))
    try:
        number = Decimal(text(value).replace(",", ""))
    except InvalidOperation:
        raise CellError(_("必须是整数")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(_("必须是整数"))
    result = int(number)
    if minimum is not None and result < minimum:
        raise CellError(_("不能小于 %(min)s") % {"min": minimum})
    if maximum is not None and result > maximum:
        raise CellError(_("不能大于 %(max)s") % {"max": maximum})
    return result


_TRUE = {"1", "true", "yes", "y", "是", "对", "有", "√", "✓", "启用", "在岗", "t"}
_FALSE = {"0", "false", "no", "n", "否", "不", "无", "×", "✗", "停用", "离岗", "f"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise CellError(_("请填写“是”或“否”"))


def parse_email(value: Any) -> str:
    raw = text(value)
    try:
        validate_email(raw)
    except ValidationError:
        raise CellError(_("邮箱格式无效")) from None
    return raw.lower()


_LIST_SPLIT = re.compile(r"[,，、;；|\n]+")


def parse_list(value: Any) -> list[str]:
    """``a,b``, ``a，b``, ``a、b`` or ``a;b``: the items, trimmed, without repeats, in order."""
    items: list[str] = []
    for item in _LIST_SPLIT.split(text(value)):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


_CHOICE_TABLES: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def _choice_table(choices: Any) -> dict[str, Any]:
    # Labels are lazy translations: resolve them once per choice set and language, not once per cell.
    from django.utils.translation import get_language

    key = (id(choices), get_language() or "")
    cached = _CHOICE_TABLES.get(key)
    if cached is None or cached[0] is not choices:
        table: dict[str, Any] = {}
        for code, label in choices:
            table.setdefault(str(label), code)
            table.setdefault(str(code).lower(), code)
        cached = _CHOICE_TABLES[key] = (choices, table)
    return cached[1]


def parse_choice(value: Any, choices: Any) -> str:
    """A choice by its code or its label (zh-hans or English, case-insensitive)."""
    raw = text(value)
    table = _choice_table(choices)
    if raw in table:
        return table[raw]
    if raw.lower() in table:
        return table[raw.lower()]
    allowed = "、".join(str(label) for _code, label in choices)
    raise CellError(_("不是允许的值（可选：%(allowed)s）") % {"allowed": allowed})
