"""Import uploads and export files are deleted after the retention period; the job and its report stay,
running jobs are left alone, a checked import never confirmed expires, stray files go too."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tickets.importing.retention import data_job_files_purge
from tickets.models import DataJob
from tickets.schedules import HUB_SCHEDULES

pytestmark = pytest.mark.django_db

S = DataJob.Status


def _job(user, *, age_days: int, status: str, kind: str = DataJob.Kind.IMPORT, result: bool = True) -> DataJob:
    job = DataJob(kind=kind, target="tickets.customer", status=status, created_by=user, original_name="客户.csv",
                  created_at=timezone.now() - dt.timedelta(days=age_days), report={"total": 2, "created": 2})
    if kind == DataJob.Kind.IMPORT:
        job.source_file.save("source.csv", ContentFile("姓名,电话\n张三,13800138000\n".encode()), save=False)
    if result:
        job.result_file.save("result.csv", ContentFile(b"x"), save=False)
    job.save()
    return job


def test_files_older_than_the_retention_are_deleted_and_the_report_kept(settings, ops_user,
                                                                        django_capture_on_commit_callbacks):
    settings.DATA_JOB_FILE_RETENTION_DAYS = 30
    old = _job(ops_user, age_days=31, status=S.DONE)
    export = _job(ops_user, age_days=40, status=S.DONE, kind=DataJob.Kind.EXPORT)
    recent = _job(ops_user, age_days=29, status=S.DONE)
    running = _job(ops_user, age_days=60, status=S.RUNNING, result=False)
    waiting = _job(ops_user, age_days=31, status=S.VALIDATED)
    old_names = [old.source_file.name, old.result_file.name, export.result_file.name, waiting.source_file.name]

    with django_capture_on_commit_callbacks(execute=True):
        counts = data_job_files_purge()

    assert counts == {"jobs": 3, "files": 5, "orphans": 0}
    assert not any(default_storage.exists(name) for name in old_names)
    old.refresh_from_db()
    assert not old.source_file
    assert not old.result_file
    assert old.report == {"total": 2, "created": 2}
    assert old.params["retention_days"] == 30
    for kept in (recent, running):
        kept.refresh_from_db()
        assert default_storage.exists(kept.source_file.name)
    recent.refresh_from_db()
    assert default_storage.exists(recent.result_file.name)
    # a file waiting for confirmation that long is gone: the job cannot be confirmed any more
    waiting.refresh_from_db()
    assert waiting.status == S.CANCELLED
    assert "重新上传" in waiting.report["file_error"]
    # nothing is done twice
    with django_capture_on_commit_callbacks(execute=True):
        assert data_job_files_purge() == {"jobs": 0, "files": 0, "orphans": 0}


def test_stray_files_of_deleted_jobs_go_too_and_zero_keeps_everything(settings, ops_user,
                                                                       django_capture_on_commit_callbacks):
    job = _job(ops_user, age_days=45, status=S.DONE)
    names = [job.source_file.name, job.result_file.name]
    DataJob.objects.filter(pk=job.pk).delete()  # the admin's delete leaves the files behind
    old = (timezone.now() - dt.timedelta(days=45)).timestamp()
    for name in names:
        os.utime(default_storage.path(name), (old, old))
    fresh = _job(ops_user, age_days=0, status=S.DONE)
    fresh_name = fresh.source_file.name
    DataJob.objects.filter(pk=fresh.pk).delete()

    settings.DATA_JOB_FILE_RETENTION_DAYS = 0
    assert data_job_files_purge() == {"jobs": 0, "files": 0, "orphans": 0}
    assert all(default_storage.exists(name) for name in names)

    settings.DATA_JOB_FILE_RETENTION_DAYS = 30
    assert data_job_files_purge()["orphans"] == 2
    assert not any(default_storage.exists(name) for name in names)
    assert default_storage.exists(fresh_name)  # a stray file younger than the retention may belong to a job being saved


def test_the_purge_runs_daily_and_the_job_page_says_so(client, ops_user, django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    spec = HUB_SCHEDULES["datajobs.purge_files"]
    assert spec == {"func": "tickets.tasks.data_job_files_purge_task", "schedule_type": "D"}
    assert Schedule.objects.filter(name="datajobs.purge_files", func=spec["func"]).exists()

    job = _job(ops_user, age_days=31, status=S.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        from tickets.tasks import data_job_files_purge_task

        assert data_job_files_purge_task()["jobs"] == 1
    client.force_login(ops_user)
    page = client.get(reverse("admin:tickets_customer_job", args=[job.uuid])).content.decode()
    assert "已超过保留期（30 天），已删除" in page
    assert "下载错误行" not in page
