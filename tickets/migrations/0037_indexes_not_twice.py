"""Indexes that duplicated others, dropped: each cost every ticket, customer, device and event written.

- The prefix indexes of ticket numbers, customer phones and device serials: the same
  ``varchar_pattern_ops`` indexes Django makes for their unique columns.
- The state's own index and the centre's, technician's and event ticket's foreign-key indexes: each
  is the first column of a composite index that serves the same lookups.
"""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models

# (index, table, column, PostgreSQL only)
INDEXES = [
    # the prefix indexes made by an earlier migration, twins of those of the unique columns
    ("ticket_number_prefix_idx", "tickets_ticket", "number varchar_pattern_ops", True),
    ("customer_phone_prefix_idx", "tickets_customer", "phone varchar_pattern_ops", True),
    ("device_serial_prefix_idx", "tickets_device", "serial_number varchar_pattern_ops", True),
    # Django's indexes of the fields made db_index=False
    ("tickets_ticket_service_center_id_541f8cd4", "tickets_ticket", "service_center_id", False),
    ("tickets_ticket_technician_id_6b17e360", "tickets_ticket", "technician_id", False),
    ("tickets_ticket_status_384e643a", "tickets_ticket", "status", False),
    ("tickets_ticket_status_384e643a_like", "tickets_ticket", "status varchar_pattern_ops", True),
    ("tickets_ticketevent_ticket_id_b572d14b", "tickets_ticketevent", "ticket_id", False),
]


def indexes_drop(apps, schema_editor):
    for name, _table, _column, _postgres_only in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def indexes_create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, column, postgres_only in INDEXES:
        if postgres or not postgres_only:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} ({column})")


class Migration(migrations.Migration):

    dependencies = [
        ('repairs', '0012_list_filter_indexes'),
        ('tickets', '0036_outbox_event_single_index'),
    ]

    operations = [
        # Only the indexes go: altering the fields would also drop and re-create (and re-validate
        # against every row) their foreign-key constraints.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(indexes_drop, indexes_create)],
            state_operations=[
                migrations.AlterField(
                    model_name='ticket',
                    name='service_center',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='repairs.servicecenter', verbose_name='服务网点'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='status',
                    field=django_fsm.FSMField(choices=[('new', '新建'), ('triaged', '已分类'), ('assigned', '已派工'), ('in_progress', '处理中'), ('waiting_customer', '等待客户'), ('waiting_parts', '等待备件'), ('quality_check', '质检中'), ('ready', '待取机'), ('resolved', '已解决'), ('closed', '已关闭'), ('reopened', '已重开'), ('cancelled', '已取消')], default='new', max_length=20, protected=True, verbose_name='状态'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='technician',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='repairs.technician', verbose_name='负责工程师'),
                ),
                migrations.AlterField(
                    model_name='ticketevent',
                    name='ticket',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='tickets.ticket', verbose_name='工单'),
                ),
            ],
        ),
    ]
