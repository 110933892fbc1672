from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("工单")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Keep role groups in step with models added by later migrations (the initial grant is
        # a migration, 0002_roles); this is setup, not business logic.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="tickets.sync_roles")


def _sync_roles(sender, using="default", **kwargs) -> None:
    from .roles import roles_sync

    roles_sync()
