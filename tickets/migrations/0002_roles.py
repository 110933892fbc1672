from django.db import migrations


def forwards(apps, schema_editor):
    from tickets.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("repairs", "0002_initial"),
        ("parts", "0002_initial"),
        ("surveys", "0001_initial"),
        ("knowledge", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
