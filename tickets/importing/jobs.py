"""Writes of import and export jobs: upload and dry run, confirm, cancel, and the run itself.

A small file is checked and imported within the request; a file over ``IMPORT_BACKGROUND_ROWS`` rows
(and an XLSX export over ``EXPORT_BACKGROUND_ROWS``) runs as a django-q2 task that takes the job's id,
so the admin page shows a progress bar and a cancel button instead of timing out. Progress and the cancel
flag travel on a connection of their own while an all-or-nothing import holds its transaction open
(PostgreSQL), so the page sees the bar move and the worker sees the cancel.
"""

from __future__ import annotations

import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import exporting, policy
from ..exceptions import PermissionDeniedError, ValidationFailed
from ..models import DataJob
from .base import importer_for
from .files import ErrorFileWriter
from .reading import FileError, count_rows, sniff
from .runner import run_import

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

S = DataJob.Status
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def background_rows() -> int:
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 3000))


def export_background_rows() -> int:
    return int(getattr(settings, "EXPORT_BACKGROUND_ROWS", 50_000))


# --- imports --------------------------------------------------------------------------------------

def import_job_create(*, target: str, upload: Any, by: AbstractBaseUser, mode: str = DataJob.Mode.ALL) -> DataJob:
    """Store an uploaded file and check it (the dry run). Raises PermissionDeniedError unless ``by``
    may import this kind of row, ValidationFailed for a file that is empty, too large or no CSV/XLSX
    (nothing is stored then). Small files are checked at once; large ones in the background."""
    importer = importer_for(target)
    if not policy.can_import(by, importer.model):
        raise PermissionDeniedError(_("您没有导入%(what)s的权限。") % {"what": importer.title()})
    if mode not in DataJob.Mode.values:
        raise ValidationFailed(_("导入方式无效。"))
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件太大（上限 50 MB），请拆分后分批导入。"))
    raw = getattr(upload, "file", upload)
    raw.seek(0)
    head = raw.read(64 * 1024)
    raw.seek(0)
    if not head:
        raise ValidationFailed(_("文件是空的。"))
    try:
        source = sniff(head, name=getattr(upload, "name", ""))
        total = count_rows(raw, name=getattr(upload, "name", ""))
    except FileError as exc:
        raise ValidationFailed(exc.reason) from None
    name = (getattr(upload, "name", "") or f"import.{source.format}")[-200:]
    job = DataJob(kind=DataJob.Kind.IMPORT, target=target, status=S.VALIDATING, mode=mode, file_format=source.format,
                  original_name=name, total=total, created_by=by)
    raw.seek(0)
    job.source_file.save(f"source.{source.format}", File(raw), save=False)
    job.save()
    _dispatch(job, large=total > background_rows())
    job.refresh_from_db()
    return job


def import_job_confirm(*, job: DataJob, by: AbstractBaseUser, mode: str) -> DataJob:
    """Import a checked file. ``all`` refuses a file that has errors (there is nothing to import
    then); ``valid`` imports the rows without errors. Raises ValidationFailed when the job is not
    waiting for confirmation, PermissionDeniedError for another user's job."""
    _require_owner(job, by)
    importer = importer_for(job.target)
    if not policy.can_import(by, importer.model):
        raise PermissionDeniedError(_("您没有导入%(what)s的权限。") % {"what": importer.title()})
    if mode not in DataJob.Mode.values:
        raise ValidationFailed(_("导入方式无效。"))
    with transaction.atomic():
        locked = DataJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != S.VALIDATED:
            raise ValidationFailed(_("该文件不在待确认状态（%(status)s），不能再次导入。")
                                   % {"status": locked.get_status_display()})
        report = locked.report or {}
        if mode == DataJob.Mode.ALL and report.get("failed"):
            raise ValidationFailed(_("文件中有 %(n)s 行错误：请修正后重新上传，或选择“只导入正确的行”。")
                                   % {"n": report["failed"]})
        if not report.get("valid"):
            raise ValidationFailed(_("没有可导入的行。"))
        locked.mode = mode
        locked.status = S.QUEUED
        locked.processed = 0
        locked.params = {**locked.params, "phase": "import"}
        locked.save(update_fields=["mode", "status", "processed", "params"])
    _dispatch(locked, large=locked.total > background_rows())
    locked.refresh_from_db()
    return locked


def job_cancel(*, job: DataJob, by: AbstractBaseUser) -> DataJob:
    """Ask a running job to stop (the worker stops between two batches); a job that has not started
    stops at once. An all-or-nothing import that stops writes nothing; a valid-rows import keeps the
    batches already written (its report says how many)."""
    _require_owner(job, by)
    with transaction.atomic():
        locked = DataJob.objects.select_for_update().get(pk=job.pk)
        if locked.status in (S.VALIDATED, S.QUEUED):
            locked.status = S.CANCELLED
            locked.finished_at = timezone.now()
        elif locked.status not in (S.VALIDATING, S.RUNNING):
            raise ValidationFailed(_("任务已结束，无法取消。"))
        locked.cancel_requested = True
        locked.save(update_fields=["status", "finished_at", "cancel_requested"])
    return locked


def _require_owner(job: DataJob, by: AbstractBaseUser) -> None:
    if not (by.is_superuser or job.created_by_id == by.pk):
        raise PermissionDeniedError(_("只能操作自己创建的导入导出任务。"))


def _dispatch(job: DataJob, *, large: bool) -> None:
    if not large:
        data_job_run(job_id=job.pk)
        return
    from django_q.tasks import async_task

    job_id = job.pk
    transaction.on_commit(lambda: async_task("tickets.tasks.data_job_task", job_id, task_name=f"datajob-{job_id}",
                                             timeout=6 * 3600))


class _SideChannel:
    """Progress writes and cancel reads on their own connection (a worker thread), visible while the
    import's own transaction is still open. Without PostgreSQL or inside an outer transaction (tests)
    the job's own connection is used."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.separate = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.pool = ThreadPoolExecutor(max_workers=1) if self.separate else None

    def _call(self, func):
        if self.pool is None:
            return func()
        return self.pool.submit(func).result()

    def progress(self, processed: int) -> None:
        self._call(lambda: DataJob.objects.filter(pk=self.job_id).update(processed=processed))

    def cancelled(self) -> bool:
        return bool(self._call(lambda: DataJob.objects.filter(pk=self.job_id, cancel_requested=True).exists()))

    def close(self) -> None:
        if self.pool is not None:
            # resolved in the worker thread: each thread has its own connection
            self.pool.submit(lambda: connection.close()).result()
            self.pool.shutdown()


def data_job_run(*, job_id: int) -> None:
    """Run the job's current phase (check, import or export). Takes the id; a job that is gone, already
    finished or cancelled before it started is left alone."""
    job = DataJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status not in (S.VALIDATING, S.QUEUED):
        return
    if job.cancel_requested and job.status == S.QUEUED:
        return
    phase = "export" if job.kind == DataJob.Kind.EXPORT else job.params.get("phase", "check")
    DataJob.objects.filter(pk=job.pk).update(
        status=S.VALIDATING if phase == "check" else S.RUNNING, started_at=timezone.now(), processed=0)
    side = _SideChannel(job.pk)
    try:
        if phase == "export":
            _run_export(job, side)
        else:
            _run_import(job, side, write=phase == "import")
    except Exception:
        logger.exception("data job %s failed", job.pk)
        DataJob.objects.filter(pk=job.pk).update(
            status=S.FAILED, finished_at=timezone.now(),
            report={**job.report, "file_error": _("任务失败：系统内部错误（已记录，请联系管理员）。")})
    finally:
        side.close()


def _run_import(job: DataJob, side: _SideChannel, *, write: bool) -> None:
    importer = importer_for(job.target)(by=job.created_by)
    errors = ErrorFileWriter()
    with job.source_file.open("rb") as stored:
        raw = getattr(stored, "file", stored)
        report = run_import(importer, raw, name=job.original_name, write=write, mode=job.mode, total=job.total,
                            error_file=errors, progress=side.progress, cancelled=side.cancelled)
    result = errors.finish()
    job.refresh_from_db()
    if write:
        status = S.CANCELLED if report.cancelled else (S.FAILED if report.file_error else S.DONE)
    else:
        status = S.CANCELLED if report.cancelled else (S.FAILED if report.file_error else S.VALIDATED)
    checked = job.report.get("check") if write else None
    job.report = {**report.as_dict(), **({"check": checked} if checked else {})}
    if not write:
        job.report["check"] = {"failed": report.failed, "valid": report.valid}
    job.status = status
    job.processed = job.total if status in (S.DONE, S.VALIDATED) else job.processed
    job.finished_at = timezone.now() if status != S.VALIDATED else None
    if result is not None:
        stem = "错误行" if not write else "未导入的行"
        job.result_file.save(f"{stem}.{errors.extension}", File(result), save=False)
        result.close()
    elif not write:
        job.result_file = ""
    job.save()


# --- exports --------------------------------------------------------------------------------------

def export_job_create(*, target: str, fmt: str, by: AbstractBaseUser, pks: list[int] | None = None) -> DataJob:
    """An export written in the background to a file the user downloads from the job page. Raises
    PermissionDeniedError unless ``by`` may view the rows."""
    exporter = exporting.exporter_for(target)
    if not policy.can_export(by, exporter.model):
        raise PermissionDeniedError(_("您没有导出%(what)s的权限。") % {"what": exporter.title()})
    if fmt not in exporting.FORMATS:
        raise ValidationFailed(_("导出格式无效。"))
    job = DataJob.objects.create(kind=DataJob.Kind.EXPORT, target=target, status=S.QUEUED, file_format=fmt,
                                 created_by=by, params={"pks": pks} if pks is not None else {})
    _dispatch(job, large=True)
    return job


def _run_export(job: DataJob, side: _SideChannel) -> None:
    exporter = exporting.exporter_for(job.target)(user=job.created_by)
    queryset = None
    if job.params.get("pks") is not None:
        queryset = exporter.base_queryset().filter(pk__in=job.params["pks"])
    total = exporter.queryset(queryset).count()
    DataJob.objects.filter(pk=job.pk).update(total=total)
    label, _content_type, extension = exporting.FORMATS[job.file_format]
    cancelled = False
    with tempfile.TemporaryFile() as out:
        if job.file_format == exporting.XLSX:
            def on_row(n: int) -> None:
                nonlocal cancelled
                side.progress(n)
                if n % 20_000 == 0 and side.cancelled():
                    cancelled = True
                    raise _Stop
            try:
                written = exporter.write_xlsx(out, queryset, on_row=on_row)
            except _Stop:
                written = 0
        else:
            encoding = "gb18030" if job.file_format == exporting.CSV_GB18030 else "utf-8"
            written = 0
            for chunk in exporter.csv_chunks(queryset, encoding=encoding):
                out.write(chunk)
                written += chunk.count(b"\n")
                side.progress(max(written - 1, 0))
                if written % 20_000 < 600 and side.cancelled():
                    cancelled = True
                    break
        job.refresh_from_db()
        if cancelled:
            job.status = S.CANCELLED
        else:
            out.seek(0)
            job.result_file.save(exporting.filename(exporter.title(), extension), File(out), save=False)
            job.status = S.DONE
            job.processed = total
        job.report = {"rows": total, "format": str(label)}
        job.finished_at = timezone.now()
        job.save()


class _Stop(Exception):
    pass


