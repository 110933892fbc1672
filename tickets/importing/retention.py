"""How long the files of import and export jobs are kept.

An uploaded file holds ops' raw data (buyers' phones, addresses, prices) and an export holds whatever
the user could see; both are only needed while the job is looked at. After
``DATA_JOB_FILE_RETENTION_DAYS`` days (0 keeps them for ever) a daily django-q2 schedule deletes them.
The job row stays with its report (counts, the first errors), so the history of who loaded or took what
remains; the job page says the files were removed. A checked import still waiting for confirmation that
long is expired (cancelled), since its file is gone. Files left in the jobs folder by a job row deleted
in the admin are removed too once they are as old.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DataJob

logger = logging.getLogger(__name__)

S = DataJob.Status
JOBS_DIR = "datajobs"
BATCH = 200


def retention_days() -> int:
    return int(getattr(settings, "DATA_JOB_FILE_RETENTION_DAYS", 30))


def data_job_files_purge(*, now: dt.datetime | None = None, days: int | None = None) -> dict[str, int]:
    """Delete the uploaded and result files of jobs created more than ``days`` days ago (default: the
    setting), except jobs still running. Returns ``{"jobs", "files", "orphans"}`` counts. Safe to run
    again: a purged job has no files left, and a file already missing is only forgotten."""
    days = retention_days() if days is None else days
    counts = {"jobs": 0, "files": 0, "orphans": 0}
    if days <= 0:
        return counts
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    active = (S.VALIDATING, S.QUEUED, S.RUNNING)
    stale = (DataJob.objects.filter(created_at__lt=cutoff).exclude(status__in=active)
             .exclude(source_file="", result_file="").order_by("pk"))
    last = 0
    while ids := list(stale.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH]):
        last = ids[-1]
        for job_id in ids:
            removed = _purge_job(job_id, now=now, cutoff=cutoff, days=days)
            if removed is not None:
                counts["jobs"] += 1
                counts["files"] += removed
    counts["orphans"] = _purge_orphans(cutoff)
    return counts


def _purge_job(job_id: int, *, now: dt.datetime, cutoff: dt.datetime, days: int) -> int | None:
    with transaction.atomic():
        job = DataJob.objects.select_for_update().filter(pk=job_id, created_at__lt=cutoff).first()
        if job is None or job.is_active:
            return None  # gone, or picked up by a worker meanwhile
        names = [f.name for f in (job.source_file, job.result_file) if f]
        job.source_file = job.result_file = ""
        job.params = {**job.params, "files_purged_at": now.isoformat(), "retention_days": days}
        fields = ["source_file", "result_file", "params"]
        if job.status == S.VALIDATED:
            job.status = S.CANCELLED
            job.finished_at = now
            job.report = {**job.report, "file_error": _("已超过保留期限，上传的文件已删除；如需导入请重新上传。")}
            fields += ["status", "finished_at", "report"]
        job.save(update_fields=fields)
        # the files go once the row no longer points at them (a failed delete leaves an orphan that the
        # next run removes, never a row pointing at nothing)
        transaction.on_commit(lambda: _delete(names))
    return len(names)


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete job file %s", name, exc_info=True)


def _purge_orphans(cutoff: dt.datetime) -> int:
    """Files under the jobs folder that no job points at and that are older than the cutoff."""
    names = list(_walk(JOBS_DIR))
    if not names:
        return 0
    referenced = set()
    for start in range(0, len(names), 1000):
        chunk = names[start:start + 1000]
        referenced.update(DataJob.objects.filter(source_file__in=chunk).values_list("source_file", flat=True))
        referenced.update(DataJob.objects.filter(result_file__in=chunk).values_list("result_file", flat=True))
    removed = 0
    for name in names:
        if name in referenced:
            continue
        try:
            if default_storage.get_modified_time(name) >= cutoff:
                continue
        except (NotImplementedError, OSError):
            continue  # a storage that cannot tell a file's age keeps it
        _delete([name])
        removed += 1
    return removed


def _walk(path: str):
    try:
        dirs, files = default_storage.listdir(path)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        yield f"{path}/{name}"
    for name in dirs:
        yield from _walk(f"{path}/{name}")
