"""Models of the sla feature (see tickets/models/__init__.py): the business calendar, SLA policies
and the SLA ledger."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day whose status differs from the plain rule (Saturday and Sunday rest, other days work).

    Holds public holidays (法定节假日, including the weekend days inside a holiday block) and make-up
    working days (调休上班). Loaded from the chinesecalendar library for the years it covers and editable
    by staff for years it does not cover yet.
    """

    class Source(models.TextChoices):
        LIBRARY = "library", _("日历库")
        MANUAL = "manual", _("人工录入")

    date = models.DateField(_("日期"), unique=True)
    is_rest_day = models.BooleanField(_("休息日"), help_text=_("勾选为放假，不勾选为调休上班"))
    name = models.CharField(_("名称"), max_length=40, blank=True, help_text=_("如 春节、国庆节"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("节假日日历")
        verbose_name_plural = _("节假日日历")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("放假") if self.is_rest_day else _("调休上班")
        return f"{self.date} {self.name} {kind}".strip()


__all__: list[str] = ["CalendarDay"]
