"""The window choice of the intake form: offered on the default business hours before the ticket
has a centre; the centre's own calendar and capacity decide when it is booked."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .selectors import WEEKDAYS


def window_choices() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("", _("暂不预约，由服务网点联系我"))]
    for w in selectors.generic_windows():
        local = timezone.localtime(w.start)
        out.append((w.value, f"{local.month}/{local.day} {WEEKDAYS[local.weekday()]} "
                             f"{selectors.window_hours_label(w.start, w.end)}"))
    return out


def add_window_field(form: forms.Form) -> None:
    """Add the optional ``appointment`` field (on-site and walk-in visits) to an intake form."""
    form.fields["appointment"] = forms.ChoiceField(
        label=_("期望上门 / 到店时间（选填）"), required=False, choices=window_choices(),
        help_text=_("每个时段两小时；提交后按服务网点的排班确认，已约满会提示您改选。"))
