from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def import_receivers(package: str) -> None:
    """Import ``<package>.receivers`` and ``<package>.<feature>.receivers`` wherever they exist.

    Receivers of domain signals connect at import time; this keeps every AppConfig.ready the same
    and lets feature packages add receivers without touching the app's config.
    """
    if importlib.util.find_spec(f"{package}.receivers"):
        importlib.import_module(f"{package}.receivers")
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.ispkg and importlib.util.find_spec(f"{package}.{info.name}.receivers"):
            importlib.import_module(f"{package}.{info.name}.receivers")


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("工单")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .fsm import skip_transitions_on_historical_models

        skip_transitions_on_historical_models()
        # Keep role groups in step with models added by later migrations (the initial grant is
        # a migration, 0002_roles); this is setup, not business logic.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="tickets.sync_roles")
        # The hub reacts to its own changes through tickets/lifecycle.py, never through receivers.
        # One-time codes complete their SMS only at the hand-over to the gateway (in the worker too).
        from . import otp  # noqa: F401
        from .reference import reference_connect

        reference_connect()


def _sync_roles(sender, using="default", **kwargs) -> None:
    """After every migrate (and every test-database flush): role groups, the hub's schedules and
    the holiday calendar the library knows — all idempotent, none overwrites staff edits."""
    from .calendar import library_entries
    from .models import CalendarDay
    from .roles import roles_sync
    from .schedules import HUB_SCHEDULES, schedules_ensure

    roles_sync()
    schedules_ensure(HUB_SCHEDULES)
    if not CalendarDay.objects.filter(source="library").exists():
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, is_rest_day=rest, name=name[:40], source="library")
             for d, rest, name in library_entries()],
            batch_size=500, ignore_conflicts=True,
        )
