"""Setup hooks of the workshop (connected at import by ``RepairsConfig.ready``).

The estimate (price list and 三包 preview) is not computed here: the hub asks the estimator that
``RepairsConfig.ready`` registers (``tickets.intake.estimate``).
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate


def _ensure_schedules(sender, **kwargs) -> None:
    # Setup, not business logic: the hourly delay watcher must exist after every migrate / flush.
    from tickets.schedules import schedules_ensure

    schedules_ensure({"repairs.watch_delays": {"func": "repairs.tasks.repairs_watch_delays", "schedule_type": "H"},
                      # the technician app's expired tokens (the token check no longer sweeps them)
                      "repairs.auth_tokens_purge": {"func": "repairs.api.tokens.auth_tokens_purge",
                                                    "schedule_type": "D"}})


post_migrate.connect(_ensure_schedules, sender=apps.get_app_config("repairs"), dispatch_uid="repairs.schedules")
