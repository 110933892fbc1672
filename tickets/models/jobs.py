"""Import and export jobs: a file ops upload or ask for, its progress and its result report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["DataJob"]


def _job_path(job: DataJob, filename: str) -> str:
    return f"datajobs/{timezone.now():%Y/%m}/{job.uuid}/{filename}"


class DataJob(models.Model):
    """One import (the uploaded file, its dry run, then the import) or one export in the background.

    ``report`` holds what the run found (counts, the first errors, warnings) so the preview and the
    result page need no re-run; ``result_file`` is the error file of an import or the exported file.
    Progress is ``processed`` of ``total`` rows; ``cancel_requested`` is read by the worker between
    batches.
    """

    class Kind(models.TextChoices):
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")

    class Status(models.TextChoices):
        VALIDATING = "validating", _("检查中")
        VALIDATED = "validated", _("待确认")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class Mode(models.TextChoices):
        ALL = "all", _("全部正确才导入（有错误则不导入任何行）")
        VALID = "valid", _("只导入正确的行，跳过错误行")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    target = models.CharField(_("数据"), max_length=60, help_text=_("导入器或导出器的标识，如 tickets.device"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.VALIDATING,
                              db_index=True)
    mode = models.CharField(_("导入方式"), max_length=8, choices=Mode.choices, default=Mode.ALL)
    file_format = models.CharField(_("格式"), max_length=16, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    source_file = models.FileField(_("上传的文件"), upload_to=_job_path, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to=_job_path, blank=True)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    report = models.JSONField(_("结果报告"), default=dict, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入导出任务")
        verbose_name_plural = _("导入导出任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "created_at"], name="datajob_owner_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status in (self.Status.DONE, self.Status.VALIDATED) else 0
        return min(100, int(self.processed * 100 / self.total))

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.QUEUED, self.Status.RUNNING)
