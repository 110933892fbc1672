"""Connected by ``PartsConfig.ready`` (via ``tickets.apps.import_receivers``)."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: keeps the django-q2 schedules of this app present after migrate.
    from .schedules import schedules_ensure

    schedules_ensure()


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("parts"), dispatch_uid="parts.schedules")
