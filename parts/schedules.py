"""The parts app's django-q2 schedules, created or updated idempotently (after every migrate)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SCHEDULES = {
    "parts.reservations_expire_due": {"func": "parts.tasks.reservations_expire_due", "minutes": 15},
    "parts.stock_low_alerts_daily": {"func": "parts.tasks.stock_low_alerts_daily", "daily_at": dt.time(7, 30)},
}


def schedules_ensure() -> list:
    """Create or update each schedule by name; running it twice changes nothing."""
    from django_q.models import Schedule

    out = []
    for name, spec in SCHEDULES.items():
        if "minutes" in spec:
            defaults = {"func": spec["func"], "schedule_type": Schedule.MINUTES, "minutes": spec["minutes"]}
        else:
            defaults = {"func": spec["func"], "schedule_type": Schedule.DAILY}
        schedule = Schedule.objects.filter(name=name).first()
        if schedule is None:
            next_run = timezone.now()
            if "daily_at" in spec:
                local = timezone.localtime()
                next_run = local.replace(hour=spec["daily_at"].hour, minute=spec["daily_at"].minute, second=0,
                                         microsecond=0)
                if next_run <= local:
                    next_run += dt.timedelta(days=1)
            schedule = Schedule.objects.create(name=name, next_run=next_run, repeats=-1, **defaults)
        else:
            changed = [k for k, v in defaults.items() if getattr(schedule, k) != v]
            for key in changed:
                setattr(schedule, key, defaults[key])
            if changed:
                schedule.save(update_fields=changed)
        out.append(schedule)
    return out
