from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "repairs.logistics"
    label = "logistics"
    verbose_name = _("寄修物流")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .events import register_kinds

        register_kinds()
