"""django-q2 schedule of the surveys sweep (late invitations, due auto-closes), hourly; idempotent.

It backs up the per-row ONCE schedules (survey-reminder-<id>, survey-expire-<id>,
ticket-autoclose-<id>) that the services create.
"""

from django.db import migrations

NAME = "surveys.sweep"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=NAME).exists():
        Schedule.objects.create(name=NAME, func="surveys.tasks.surveys_sweep_task", schedule_type="H", repeats=-1)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_kb_followups_alerts"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
