"""Indexes for the admin's search at millions of tickets, and identifiers stored in their searched form.

On PostgreSQL: prefix indexes (``varchar_pattern_ops``, which ``LIKE 'x%'`` can use under any
collation) on ticket numbers, customer phones and names and device serials, and the ``pg_trgm``
extension with trigram indexes on ticket titles and descriptions for the explicit substring search
(``~words``). SQLite needs none of them (its LIKE runs on the small embedded databases).

The backfill rewrites phones and serials stored before they were normalised on save, so that the
exact and prefix searches find them.
"""

import re

from django.db import migrations

INDEXES = [
    ("ticket_number_prefix_idx", "tickets_ticket", "number varchar_pattern_ops"),
    ("customer_phone_prefix_idx", "tickets_customer", "phone varchar_pattern_ops"),
    ("customer_name_prefix_idx", "tickets_customer", "name varchar_pattern_ops"),
    ("device_serial_prefix_idx", "tickets_device", "serial_number varchar_pattern_ops"),
]
TRIGRAM = [
    ("ticket_title_trgm_idx", "tickets_ticket", "title gin_trgm_ops"),
    ("ticket_description_trgm_idx", "tickets_ticket", "description gin_trgm_ops"),
]


def indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
    for name, table, column in TRIGRAM:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column})")


def indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES + TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def identifiers_normalise(apps, schema_editor):
    from django.core.exceptions import ValidationError

    from tickets.validators import normalize_phone

    Customer = apps.get_model("tickets", "Customer")
    Device = apps.get_model("tickets", "Device")
    taken = set()
    for pk, phone in Customer.objects.filter(phone__regex=r"[^0-9]").values_list("pk", "phone").iterator():
        try:
            normal = normalize_phone(phone)
        except ValidationError:
            continue
        if normal not in taken and not Customer.objects.filter(phone=normal).exists():
            Customer.objects.filter(pk=pk).update(phone=normal)
            taken.add(normal)
    for pk, serial in Device.objects.filter(serial_number__regex=r"[a-z\s]").values_list(
            "pk", "serial_number").iterator():
        normal = re.sub(r"\s", "", serial).upper()
        if normal not in taken and not Device.objects.filter(serial_number=normal).exists():
            Device.objects.filter(pk=pk).update(serial_number=normal)
            taken.add(normal)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0023_intake_phone_code"),
    ]

    operations = [
        migrations.RunPython(identifiers_normalise, migrations.RunPython.noop),
        migrations.RunPython(indexes_create, indexes_drop),
    ]
