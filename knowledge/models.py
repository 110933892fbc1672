"""Knowledge base: customer self-help articles and internal solutions, guided diagnosis trees."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from tickets.fsm import FSMModelMixin
from tickets.models import ProductCategory, ServiceMode, TimeStampedModel


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
    audience = models.CharField(_("读者"), max_length=10, choices=Audience.choices, default=Audience.CUSTOMER,
                                db_index=True)
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
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    # jieba search-mode tokens of title (twice, for weight), summary, tags and body, space separated;
    # PostgreSQL indexes to_tsvector('simple', segmented_text) with GIN (migration 0004).
    segmented_text = models.TextField(_("分词索引"), blank=True, editable=False)

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["-updated_at"]
        permissions = [("publish_article", _("可发布/归档知识文章"))]

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


class ArticleVersion(models.Model):
    """One row per save of an article: what it said, who changed it, when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("文章"))
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=150)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    video_url = models.URLField(_("视频链接"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Article.Status.choices)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("修改人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")]
        indexes = [
            models.Index(fields=["status"], name="article_version_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class DiagnosisTree(TimeStampedModel):
    """A guided diagnosis for one product line and fault, e.g. 手机无法充电."""

    name = models.CharField(_("名称"), max_length=80)
    slug = models.SlugField(_("短链接"), max_length=80, unique=True)
    product_category = models.CharField(_("品类"), max_length=20, choices=ProductCategory.choices, db_index=True)
    fault_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="diagnosis_trees", verbose_name=_("故障分类"))
    intro = models.TextField(_("说明"), blank=True)
    root = models.ForeignKey("DiagnosisNode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("起始节点"))
    is_active = models.BooleanField(_("启用"), default=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)

    class Meta:
        verbose_name = _("诊断流程")
        verbose_name_plural = _("诊断流程")
        ordering = ["product_category", "name"]

    def __str__(self) -> str:
        return self.name


class DiagnosisNode(models.Model):
    """A step: a question with answers, or an outcome (solved / self-help article / needs service)."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("问题")
        SOLVED = "solved", _("已解决")
        ARTICLE = "article", _("自助文章")
        SERVICE = "service", _("需要服务")

    OUTCOMES = (Kind.SOLVED, Kind.ARTICLE, Kind.SERVICE)

    tree = models.ForeignKey(DiagnosisTree, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("流程"))
    key = models.SlugField(_("节点代码"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.QUESTION)
    text = models.CharField(_("问题/结论"), max_length=200)
    help_text = models.TextField(_("操作提示"), blank=True)
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("自助文章"))
    suggested_category = models.ForeignKey("tickets.FaultCategory", on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+", verbose_name=_("建议故障分类"))
    suggested_service_mode = models.CharField(_("建议服务方式"), max_length=10, choices=ServiceMode.choices,
                                              blank=True)
    suggested_parts = models.JSONField(_("可能需要的备件"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诊断节点")
        verbose_name_plural = _("诊断节点")
        ordering = ["tree", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["tree", "key"], name="diagnosis_node_key_unique")]

    def __str__(self) -> str:
        return f"{self.tree.name} · {self.text}" if self.tree_id else self.text

    @property
    def is_outcome(self) -> bool:
        return self.kind in self.OUTCOMES


class DiagnosisAnswer(models.Model):
    node = models.ForeignKey(DiagnosisNode, on_delete=models.CASCADE, related_name="answers",
                             verbose_name=_("问题"))
    label = models.CharField(_("回答"), max_length=100)
    next_node = models.ForeignKey(DiagnosisNode, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("下一步"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("回答选项")
        verbose_name_plural = _("回答选项")
        ordering = ["node", "order", "id"]

    def __str__(self) -> str:
        return self.label


class DiagnosisWalk(TimeStampedModel):
    """One walk through a tree by a customer on /help/ or an agent inside a ticket."""

    class Channel(models.TextChoices):
        CUSTOMER = "customer", _("客户自助")
        AGENT = "agent", _("客服代问")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tree = models.ForeignKey(DiagnosisTree, on_delete=models.CASCADE, related_name="walks", verbose_name=_("流程"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.CUSTOMER)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="diagnosis_walks", verbose_name=_("工单"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("客服"))
    current = models.ForeignKey(DiagnosisNode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("当前节点"))
    path = models.JSONField(_("路径"), default=list, blank=True)
    outcome = models.CharField(_("结论"), max_length=10, choices=DiagnosisNode.Kind.choices[1:], blank=True,
                               db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("诊断记录")
        verbose_name_plural = _("诊断记录")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tree", "outcome"], name="walk_tree_outcome_idx"),
            models.Index(fields=["channel"], name="diagnosis_walk_channel_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(outcome="") | Q(finished_at__isnull=False),
                                   name="walk_outcome_has_finish"),
        ]

    def __str__(self) -> str:
        return f"{self.tree_id} {self.outcome or '…'}"

    @property
    def is_finished(self) -> bool:
        return bool(self.outcome)
