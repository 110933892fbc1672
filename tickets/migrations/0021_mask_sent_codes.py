import re

from django.db import migrations

CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def mask_codes(apps, schema_editor):
    """Messages of one-time codes written before codes were masked in the stored text."""
    OutboxMessage = apps.get_model("tickets", "OutboxMessage")
    for pk, body in OutboxMessage.objects.filter(event="otp.code").values_list("pk", "body").iterator():
        masked = CODE.sub("●●●●●●", body)
        if masked != body:
            OutboxMessage.objects.filter(pk=pk).update(body=masked)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_ticket_reported_contact")]
    operations = [migrations.RunPython(mask_codes, migrations.RunPython.noop)]
