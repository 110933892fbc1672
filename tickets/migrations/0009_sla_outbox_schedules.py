"""django-q2 schedules of the SLA sweep, the outbox sweep and the webhook sweep (idempotent)."""

from django.db import migrations

SCHEDULES = {
    "sla.sweep": "tickets.sla.tasks.sla_sweep_task",
    "outbox.sweep": "tickets.outbox.tasks.outbox_sweep_task",
    "webhooks.sweep": "tickets.outbox.tasks.webhook_sweep_task",
}


def add_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        if not Schedule.objects.filter(name=name).exists():
            Schedule.objects.create(name=name, func=func, schedule_type="I", minutes=1, repeats=-1)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_sla_dispatch_outbox"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
