"""The admin import flow as ops use it: upload, see every error, download them, choose the mode,
import; the template; and a large file in the background with a progress bar and cancel."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.dataio.helpers import csv_bytes
from tickets.importing.jobs import data_job_run, import_job_create, job_cancel
from tickets.models import Customer, DataJob

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "电话", "邮箱"]


def _upload(client, url, data: bytes, name="客户.csv", mode="all"):
    return client.post(url, {"file": SimpleUploadedFile(name, data), "mode": mode})


def test_upload_preview_error_file_and_import_of_the_valid_rows(client, ops_user):
    client.force_login(ops_user)
    data = csv_bytes([HEADER, ["张三", "13800138000", ""], ["", "13800138001", "bad"], ["李四", "13800138002", ""]],
                     encoding="gb18030")
    response = _upload(client, reverse("admin:tickets_customer_import"), data)
    assert response.status_code == 302
    job = DataJob.objects.get()
    assert job.status == DataJob.Status.VALIDATED
    page = client.get(response["Location"]).content.decode()
    assert "有错误的行" in page
    assert "必填" in page
    assert "邮箱格式无效" in page
    assert "只导入正确的 2 行" in page
    assert not Customer.objects.exists()
    # the error file: the original row plus its reason, in the upload's encoding
    errors = client.get(reverse("admin:tickets_customer_job_file", args=[job.uuid]))
    text = b"".join(errors.streaming_content).decode("gb18030")
    assert text.splitlines() == ["姓名,电话,邮箱,错误原因", ",13800138001,bad,姓名：必填；邮箱：邮箱格式无效"]
    # all-or-nothing is refused while the file has errors
    client.post(response["Location"], {"action": "all"})
    assert not Customer.objects.exists()
    client.post(response["Location"], {"action": "valid"})
    job.refresh_from_db()
    assert job.status == DataJob.Status.DONE
    assert job.report["created"] == 2
    assert set(Customer.objects.values_list("phone", flat=True)) == {"13800138000", "13800138002"}
    # a finished job cannot be imported twice
    client.post(response["Location"], {"action": "valid"})
    assert Customer.objects.count() == 2


def test_a_file_without_errors_imports_all_or_nothing(client, ops_user):
    client.force_login(ops_user)
    response = _upload(client, reverse("admin:tickets_customer_import"),
                       csv_bytes([HEADER, ["张三", "13800138000", ""]], encoding="utf-8-sig"))
    client.post(response["Location"], {"action": "all"})
    assert Customer.objects.get().name == "张三"


def test_garbage_upload_is_a_clear_form_error(client, ops_user):
    client.force_login(ops_user)
    response = _upload(client, reverse("admin:tickets_customer_import"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 20,
                       name="old.xls")
    assert response.status_code == 200
    assert ".xls" in response.content.decode()
    assert not DataJob.objects.exists()


def test_template_has_chinese_headers_an_example_and_allowed_values(client, ops_user):
    client.force_login(ops_user)
    response = client.get(reverse("admin:tickets_device_import_template"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["序列号/IMEI*", "产品型号代码*"]
    assert sheet["A2"].value == "861234567890127"
    assert sheet["A2"].data_type == "s"
    guide = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    channel = next(r for r in guide if r[0] == "销售渠道")
    assert "线上商城" in channel[3]
    assert any("线上商城" in v.formula1 for v in sheet.data_validations.dataValidation)


def test_changelist_offers_import_and_export_by_permission(client, ops_user, agent):
    client.force_login(ops_user)
    page = client.get(reverse("admin:tickets_device_changelist")).content.decode()
    assert reverse("admin:tickets_device_import") in page
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert reverse("admin:tickets_ticket_export") in page
    assert "/admin/tickets/ticket/import/" not in page


def test_large_file_runs_as_a_background_job_with_progress(settings, ops_user, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 10
    rows = [HEADER] + [[f"客户{i}", f"1380013{i:04d}", ""] for i in range(25)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(target="tickets.customer", upload=SimpleUploadedFile("c.csv", csv_bytes(rows)),
                                by=ops_user)
    assert job.status == DataJob.Status.VALIDATING  # queued for the worker, not run in the request
    assert job.total == 25
    assert len(callbacks) == 1
    data_job_run(job_id=job.pk)  # what the django-q2 worker does with the id
    job.refresh_from_db()
    assert job.status == DataJob.Status.VALIDATED
    assert (job.processed, job.percent) == (25, 100)
    assert job.report["valid"] == 25


def test_cancel_stops_a_running_import_and_writes_nothing(settings, ops_user):
    settings.IMPORT_BACKGROUND_ROWS = 10
    from tickets.resources import CustomerImporter

    rows = [HEADER] + [[f"客户{i}", f"1380013{i:04d}", ""] for i in range(1200)]
    job = import_job_create(target="tickets.customer", upload=SimpleUploadedFile("c.csv", csv_bytes(rows)),
                            by=ops_user)
    job.status, job.report = DataJob.Status.VALIDATED, {"valid": 1200, "failed": 0}
    job.save()
    DataJob.objects.filter(pk=job.pk).update(status=DataJob.Status.QUEUED, params={"phase": "import"})
    job.refresh_from_db()
    # The user presses cancel while the worker is between two batches.
    original = CustomerImporter.save_batch
    calls = []

    def save_batch(self, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            DataJob.objects.filter(pk=job.pk).update(status=DataJob.Status.RUNNING)
            job_cancel(job=DataJob.objects.get(pk=job.pk), by=ops_user)
        return original(self, rows)

    CustomerImporter.save_batch = save_batch
    try:
        data_job_run(job_id=job.pk)
    finally:
        CustomerImporter.save_batch = original
    job.refresh_from_db()
    assert job.status == DataJob.Status.CANCELLED
    assert len(calls) == 1
    assert job.report["rolled_back"] is True
    assert not Customer.objects.exists()


def test_cancel_before_the_worker_starts(ops_user):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT, target="tickets.customer", status=DataJob.Status.QUEUED,
                                 created_by=ops_user, params={"phase": "import"})
    job_cancel(job=job, by=ops_user)
    data_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == DataJob.Status.CANCELLED


def test_progress_page_refreshes_and_offers_cancel(client, ops_user):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT, target="tickets.customer", status=DataJob.Status.RUNNING,
                                 created_by=ops_user, total=200, processed=50, original_name="大文件.csv")
    client.force_login(ops_user)
    page = client.get(reverse("admin:tickets_customer_job", args=[job.uuid])).content.decode()
    assert 'http-equiv="refresh"' in page
    assert '<progress class="dataio-progress" max="100" value="25">' in page
    assert 'value="cancel"' in page
    client.post(reverse("admin:tickets_customer_job", args=[job.uuid]), {"action": "cancel"})
    job.refresh_from_db()
    assert job.cancel_requested


def test_duplicate_customer_phone_across_rows_is_flagged(client, ops_user):
    factories.CustomerFactory(phone="13800138000")
    client.force_login(ops_user)
    data = csv_bytes([HEADER, ["甲", "13800138000", ""], ["乙", "13800138000", ""]])
    response = _upload(client, reverse("admin:tickets_customer_import"), data)
    page = client.get(response["Location"]).content.decode()
    assert "与第 2 行重复" in page
    assert "系统中已存在（将更新）" in page


ADMINS = ["tickets_customer", "tickets_productmodel", "tickets_device", "tickets_faultcategory", "tickets_slapolicy",
          "tickets_calendarday", "repairs_servicecenter", "repairs_technician", "repairs_pricelistitem", "parts_part",
          "parts_stocklevel", "knowledge_article"]


@pytest.mark.parametrize("name", ADMINS)
def test_every_importer_has_its_pages_and_template(client, superuser, name):
    client.force_login(superuser)
    page = client.get(reverse(f"admin:{name}_import"))
    assert page.status_code == 200
    assert "下载导入模板" in page.content.decode()
    template = client.get(reverse(f"admin:{name}_import_template"))
    assert template.content[:2] == b"PK"
    assert client.get(reverse(f"admin:{name}_export")).status_code == 200
    export = client.post(reverse(f"admin:{name}_export"), {"format": "csv"})
    assert b"".join(export.streaming_content).startswith(b"\xef\xbb\xbf")
