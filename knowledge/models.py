"""Knowledge base: customer self-help articles and internal solutions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from tickets.models import TimeStampedModel


class Article(FSMModelMixin, TimeStampedModel):
    class Audience(models.TextChoices):
        CUSTOMER = "customer", _("客户自助")
        INTERNAL = "internal", _("内部方案")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已归档")

    title = models.CharField(_("标题"), max_length=150)
    slug = models.SlugField(_("短链接"), max_length=80, unique=True)
    audience = models.CharField(_("读者"), max_length=10, choices=Audience.choices, default=Audience.CUSTOMER)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    video_url = models.URLField(_("视频链接"), blank=True)
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    product_models = models.ManyToManyField("tickets.ProductModel", blank=True, related_name="articles",
                                            verbose_name=_("适用型号"))
    product_categories = models.JSONField(_("适用品类"), default=list, blank=True)
    fault_categories = models.ManyToManyField("tickets.FaultCategory", blank=True, related_name="articles",
                                              verbose_name=_("故障分类"))
    tags = models.JSONField(_("标签"), default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("作者"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=[Status.DRAFT, Status.ARCHIVED], target=Status.PUBLISHED)
    def publish(self) -> None:
        self.published_at = timezone.now()

    @transition(field=status, source=Status.PUBLISHED, target=Status.ARCHIVED)
    def archive(self) -> None:
        pass

    @transition(field=status, source=Status.PUBLISHED, target=Status.DRAFT)
    def unpublish(self) -> None:
        pass
