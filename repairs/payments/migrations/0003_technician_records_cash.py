from django.db import migrations


def forwards(apps, schema_editor):
    from tickets.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
