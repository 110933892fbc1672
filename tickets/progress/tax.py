"""The 统一社会信用代码 (unified social credit code, GB 32100-2015) used as the tax number on invoices."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 31 characters: digits and upper-case letters without I, O, S, V, Z (GB 32100-2015, table 1).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The check character that completes a 17-character code body."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case, strip spaces and validate; returns the code or raises ValidationError."""
    code = "".join((value or "").split()).upper()
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为 18 位。"), code="invalid_tax_number")
    if any(ch not in USCC_CHARSET for ch in code):
        raise ValidationError(
            _("统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）。"), code="invalid_tax_number"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="invalid_tax_number")
    return code
