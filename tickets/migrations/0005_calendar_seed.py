"""Load the Chinese public holidays and make-up working days the chinesecalendar library knows."""

from django.db import migrations


def load(apps, schema_editor):
    from tickets.calendar import library_entries

    CalendarDay = apps.get_model("tickets", "CalendarDay")
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_rest_day=rest, name=name[:40], source="library")
         for d, rest, name in library_entries() if d not in existing],
        batch_size=500,
    )


def unload(apps, schema_editor):
    apps.get_model("tickets", "CalendarDay").objects.filter(source="library").delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_intake")]
    operations = [migrations.RunPython(load, unload)]
