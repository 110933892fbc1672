from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("知识库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.apps import import_receivers

        import_receivers(self.name)
        from .events import register_kinds

        register_kinds()
