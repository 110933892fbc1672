from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0005_calendar_seed'),
    ]

    operations = [
        migrations.CreateModel(
            name='InvoiceRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('kind', models.CharField(choices=[('personal', '个人'), ('company', '单位')], default='personal', max_length=10, verbose_name='抬头类型')),
                ('title', models.CharField(max_length=100, verbose_name='发票抬头')),
                ('tax_number', models.CharField(blank=True, help_text='单位抬头填写 18 位统一社会信用代码', max_length=18, verbose_name='纳税人识别号')),
                ('email', models.EmailField(max_length=254, verbose_name='接收邮箱')),
                ('status', models.CharField(choices=[('pending', '待开票'), ('issued', '已开票'), ('rejected', '已驳回')], db_index=True, default='pending', max_length=10, verbose_name='状态')),
                ('invoice_number', models.CharField(blank=True, max_length=40, verbose_name='发票号码')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='财务备注')),
                ('processed_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='提交 IP')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invoice_requests', to='tickets.ticket', verbose_name='工单')),
            ],
            options={
                'verbose_name': '电子发票申请',
                'verbose_name_plural': '电子发票申请',
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('ticket',), name='one_pending_invoice_request_per_ticket'), models.CheckConstraint(condition=models.Q(('kind', 'personal'), models.Q(('tax_number', ''), _negated=True), _connector='OR'), name='invoice_company_needs_tax_number')],
            },
        ),
    ]
