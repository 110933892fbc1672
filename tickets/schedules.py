"""django-q2 schedules that must always exist, ensured after every ``migrate`` (and every test flush).

Each app lists its own schedules and connects ``post_migrate`` in its receivers module; the
migrations that first created them stay as they are. Creating by name is idempotent.
"""

from __future__ import annotations

from typing import Any


def schedules_ensure(specs: dict[str, dict[str, Any]]) -> None:
    """Create each named schedule that is missing; existing ones (maybe tuned by staff) are kept."""
    from django_q.models import Schedule

    existing = set(Schedule.objects.filter(name__in=list(specs)).values_list("name", flat=True))
    for name, spec in specs.items():
        if name not in existing:
            Schedule.objects.create(name=name, repeats=-1, **spec)


HUB_SCHEDULES: dict[str, dict[str, Any]] = {
    "sla.sweep": {"func": "tickets.sla.tasks.sla_sweep_task", "schedule_type": "I", "minutes": 1},
    "outbox.sweep": {"func": "tickets.outbox.tasks.outbox_sweep_task", "schedule_type": "I", "minutes": 1},
    "webhooks.sweep": {"func": "tickets.outbox.tasks.webhook_sweep_task", "schedule_type": "I", "minutes": 1},
    "intake.classifier_retrain": {"func": "tickets.intake.tasks.classifier_retrain", "schedule_type": "D"},
    "tickets.after_create_sweep": {"func": "tickets.tasks.ticket_after_create_sweep_task", "schedule_type": "I",
                                   "minutes": 1},
    # rollups of the days that changed, then the fault-spike test on them
    "analytics.refresh": {"func": "tickets.analytics.tasks.analytics_refresh_task", "schedule_type": "I",
                          "minutes": 15},
    # import uploads and export files past DATA_JOB_FILE_RETENTION_DAYS
    "datajobs.purge_files": {"func": "tickets.tasks.data_job_files_purge_task", "schedule_type": "D"},
    "analytics.monthly_report": {"func": "tickets.analytics.tasks.monthly_report_task", "schedule_type": "M"},
}
