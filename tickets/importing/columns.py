"""Column builders shared by every app's importers, so an importer only declares its columns.

Each builder fixes the parser, the template's "allowed values" text and, where it applies, the maximum
length for one kind of cell (text, a choice, a list of choices, codes, a yes/no, a date, a phone, a
number); the importer gives the key, the Chinese header, the English or variant headers and an example.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import cells
from .base import Column

BOOL_ALLOWED = _("是、否")
DATE_ALLOWED = _("2025-03-04、2025/3/4、2025年3月4日 或 Excel 日期")
PHONE_ALLOWED = _("11 位手机号或带区号的座机号；Excel 中请设为文本格式")


def labels(choices) -> str:
    """The choices' labels as the template lists them."""
    return "、".join(str(label) for _code, label in choices)


def text_column(key: str, label: Any, max_length: int, **kwargs: Any) -> Column:
    return Column(key, label, max_length=max_length, **kwargs)


def choice_column(key: str, label: Any, choices, **kwargs: Any) -> Column:
    """One of ``choices``, by its code or its label."""
    kwargs.setdefault("allowed", labels(choices))
    return Column(key, label, parse=partial(cells.parse_choice, choices=choices), **kwargs)


def _choice_list(value: Any, *, choices) -> list[str]:
    return [cells.parse_choice(v, choices) for v in cells.parse_list(value)]


def choices_column(key: str, label: Any, choices, **kwargs: Any) -> Column:
    """Several of ``choices`` in one cell (``手机,平板``, ``手机、平板``)."""
    kwargs.setdefault("allowed", labels(choices))
    return Column(key, label, parse=partial(_choice_list, choices=choices), **kwargs)


def _codes(value: Any) -> list[str]:
    return [c.upper() for c in cells.parse_list(value)]


def codes_column(key: str, label: Any, **kwargs: Any) -> Column:
    """Codes of other rows (product models, locations) in one cell, upper-cased as they are stored."""
    return Column(key, label, parse=_codes, **kwargs)


def list_column(key: str, label: Any, **kwargs: Any) -> Column:
    """Free items in one cell (skills, keywords, tags), kept as typed."""
    return Column(key, label, parse=cells.parse_list, **kwargs)


def bool_column(key: str, label: Any, **kwargs: Any) -> Column:
    kwargs.setdefault("allowed", BOOL_ALLOWED)
    return Column(key, label, parse=cells.parse_bool, **kwargs)


def date_column(key: str, label: Any, **kwargs: Any) -> Column:
    kwargs.setdefault("allowed", DATE_ALLOWED)
    return Column(key, label, parse=cells.parse_date, **kwargs)


def phone_column(key: str, label: Any, **kwargs: Any) -> Column:
    kwargs.setdefault("allowed", PHONE_ALLOWED)
    return Column(key, label, parse=cells.parse_phone, **kwargs)


def int_column(key: str, label: Any, *, minimum: int | None = 0, maximum: int | None = None,
               **kwargs: Any) -> Column:
    return Column(key, label, parse=partial(cells.parse_int, minimum=minimum, maximum=maximum), **kwargs)


def decimal_column(key: str, label: Any, *, places: int = 2, minimum: Decimal | None = Decimal(0),
                   **kwargs: Any) -> Column:
    return Column(key, label, parse=partial(cells.parse_decimal, places=places, minimum=minimum), **kwargs)
