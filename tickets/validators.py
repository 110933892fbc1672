"""Validation and normalisation of Chinese phone numbers, IMEIs and serial numbers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,39}$")


def normalize_phone(value: str) -> str:
    """Return the canonical form of a mainland number: 11-digit mobile or area code + number.

    Accepts +86 / 0086 / 86 prefixes, spaces, dashes, dots and brackets. Raises ValidationError.
    """
    raw = (value or "").strip()
    digits = re.sub(r"[\s\-\.\(\)（）]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        raise ValidationError(_("请输入有效的手机号或座机号码。"), code="invalid_phone")
    if _MOBILE_RE.match(digits) or _LANDLINE_RE.match(digits):
        return digits
    raise ValidationError(_("请输入有效的手机号或座机号码。"), code="invalid_phone")


def validate_phone(value: str) -> None:
    normalize_phone(value)


# A digit doubled, with the digits of the result summed (Luhn): 7 -> 14 -> 5.
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_ok(digits: str) -> bool:
    # called for every IMEI of a sales file (100,000 rows): two slices instead of a loop with branches
    backwards = digits[::-1]
    total = sum(map(int, backwards[0::2])) + sum(_LUHN_DOUBLED[int(ch)] for ch in backwards[1::2])
    return total % 10 == 0


def imei_check_digit(first14: str) -> int:
    """The Luhn check digit that completes a 14-digit IMEI body."""
    for d in range(10):
        if luhn_ok(first14 + str(d)):
            return d
    raise ValueError(first14)  # pragma: no cover - every body has exactly one check digit


_IMEI_SEPARATORS_RE = re.compile(r"[\s\-/]")
_IMEI_RE = re.compile(r"\d{15}")


def normalize_imei(value: str) -> str:
    digits = _IMEI_SEPARATORS_RE.sub("", value or "")
    if not _IMEI_RE.fullmatch(digits):
        raise ValidationError(_("IMEI 必须是 15 位数字。"), code="invalid_imei")
    if not luhn_ok(digits):
        raise ValidationError(_("IMEI 校验位不正确，请核对后重新输入。"), code="invalid_imei")
    return digits


def validate_imei(value: str) -> None:
    normalize_imei(value)


def normalize_serial(value: str) -> str:
    serial = re.sub(r"\s", "", value or "").upper()
    if not _SERIAL_RE.match(serial):
        raise ValidationError(_("序列号格式不正确（5–40 位字母、数字或短横线）。"), code="invalid_serial")
    return serial


_CATEGORY_CODE_RE = re.compile(r"^[a-z0-9_\-]+(\.[a-z0-9_\-]+)?$")


def validate_category_code(value: str) -> None:
    """A fault category code: ``line`` or ``line.family`` in lower-case letters, digits, ``_`` and ``-``."""
    if not _CATEGORY_CODE_RE.match(value or ""):
        raise ValidationError(_("分类代码只能包含小写字母、数字、下划线，格式为“产品线.故障族”。"),
                              code="invalid_category_code")
