from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("维修")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.apps import import_receivers

        import_receivers(self.name)
