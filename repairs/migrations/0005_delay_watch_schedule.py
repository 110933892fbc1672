"""Schedule the 30/60/90-day delay watcher (hourly) with django-q2; idempotent by name."""

from django.db import migrations
from django.utils import timezone

NAME = "repairs.watch_delays"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=NAME).exists():
        Schedule.objects.create(name=NAME, func="repairs.tasks.repairs_watch_delays", schedule_type="H",
                                repeats=-1, next_run=timezone.now())


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0004_immutable_records"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
