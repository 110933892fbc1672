"""Daily retraining of the triage classifier as a django-q2 schedule (idempotent)."""

from django.db import migrations

SCHEDULE_NAME = "intake.classifier_retrain"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=SCHEDULE_NAME).exists():
        Schedule.objects.create(name=SCHEDULE_NAME, func="tickets.intake.tasks.classifier_retrain",
                                schedule_type="D", repeats=-1)


def remove_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_sla_outbox_schedules"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
