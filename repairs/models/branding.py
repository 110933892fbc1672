"""The letterhead of the service report: who issues it, their logo and their 服务专用章 (one row)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BRANDING_PK = 1
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def _max_image_size(file) -> None:
    if file and file.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("图片不能超过 2 MB。"))


IMAGE_VALIDATORS = [FileExtensionValidator(["png", "jpg", "jpeg"]), _max_image_size]


class ReportBranding(models.Model):
    """One row (pk 1): the report header and seal every service report prints."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=BRANDING_PK, editable=False)
    provider_name = models.CharField(_("服务商名称"), max_length=80, default=_("售后服务中心"),
                                     help_text=_("印在报告抬头和盖章处，例如“某某电器售后服务有限公司”"))
    brand_name = models.CharField(_("品牌"), max_length=40, blank=True)
    service_phone = models.CharField(_("服务热线"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    logo = models.ImageField(_("标志"), upload_to="branding/", blank=True, validators=IMAGE_VALIDATORS,
                             help_text=_("PNG 或 JPEG，不超过 2 MB；打印在报告左上角"))
    seal = models.ImageField(_("服务专用章"), upload_to="branding/", blank=True, validators=IMAGE_VALIDATORS,
                             help_text=_("盖章图片（建议透明背景的 PNG），打印在报告签字处"))
    footer = models.CharField(_("页脚说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("更新人"))

    class Meta:
        verbose_name = _("服务报告抬头与印章")
        verbose_name_plural = _("服务报告抬头与印章")
        constraints = [models.CheckConstraint(condition=Q(id=BRANDING_PK), name="report_branding_single_row")]

    def __str__(self) -> str:
        return str(self.provider_name)
