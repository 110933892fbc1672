"""CSV/XLSX import and export of knowledge articles.

Rows are saved by ``article_save`` (validation, the search index text, a version row); the links to
product models and fault categories are set after the save, as the service's contract says; a row
marked 已发布 is then published through ``article_publish`` (which needs the publish permission).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from tickets.exporting import ExportColumn, Exporter, attr, choice, register_exporter
from tickets.importing import cells
from tickets.importing.base import Column, Importer, Row, register
from tickets.importing.columns import choice_column, choices_column, codes_column, list_column, text_column
from tickets.models import FaultCategory, ProductCategory, ProductModel

from .models import Article
from .services import article_publish, article_save

STATUSES = [(Article.Status.DRAFT, Article.Status.DRAFT.label), (Article.Status.PUBLISHED,
                                                                  Article.Status.PUBLISHED.label)]


def _slug(value: Any) -> str:
    from django.core.validators import validate_slug

    text = cells.text(value).lower()
    try:
        validate_slug(text)
    except Exception:  # noqa: BLE001 - django's ValidationError, reported as a cell error
        raise cells.CellError(_t("只能包含英文字母、数字、连字符和下划线")) from None
    return text


@register
class ArticleImporter(Importer):
    key = "knowledge.article"
    model = Article
    natural_key = ("slug",)
    columns = (
        Column("slug", _("短链接"), parse=_slug, required=True, aliases=("标识", "slug"), max_length=80,
               allowed=_("英文字母、数字、连字符"), example="p60-screen-flicker"),
        text_column("title", _("标题"), 150, required=True, example="P60 屏幕闪烁的自助排查"),
        choice_column("audience", _("读者"), Article.Audience.choices, example="客户自助"),
        text_column("summary", _("摘要"), 300, example="重启、更新系统后仍闪烁请报修"),
        text_column("body", _("正文"), 100_000, required=True, aliases=("内容",), example="1. 重启手机……"),
        Column("video_url", _("视频链接"), parse=cells.text, example=""),
        codes_column("product_models", _("适用型号"), allowed=_("产品型号代码，用逗号分隔"), example="P60-PRO"),
        choices_column("product_categories", _("适用品类"), ProductCategory.choices, example="手机"),
        list_column("fault_categories", _("故障分类"), allowed=_("故障分类代码，用逗号分隔"),
               example="screen-broken"),
        list_column("tags", _("标签"), example="屏幕、闪烁"),
        choice_column("status", _("状态"), STATUSES, allowed=_("草稿、已发布（发布需要发布权限）"), example="草稿"),
    )

    def prepare(self, rows: list[Row]) -> None:
        codes = {c for r in rows for c in r.get("product_models") or []}
        self._models = {m.code.upper(): m for m in ProductModel.objects.filter(code__in=codes)}
        faults = {c for r in rows for c in r.get("fault_categories") or []}
        self._faults = {f.code: f for f in FaultCategory.objects.filter(code__in=faults)}

    def validate(self, row: Row) -> None:
        missing = [c for c in row.get("product_models") or [] if c not in self._models]
        if missing:
            row.error("product_models", _t("未知的产品型号代码：%(codes)s") % {"codes": "、".join(missing)})
        missing = [c for c in row.get("fault_categories") or [] if c not in self._faults]
        if missing:
            row.error("fault_categories", _t("未知的故障分类代码：%(codes)s") % {"codes": "、".join(missing)})
        if row.get("status") == Article.Status.PUBLISHED and self.by is not None and not self.by.has_perm(
                "knowledge.publish_article"):
            row.error("status", _t("您没有发布知识文章的权限，请改为草稿"))

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(a.slug.upper(),): a for a in Article.objects.filter(slug__in=[r.get("slug") for r in rows])}

    def save(self, row: Row) -> None:
        article = row.existing or Article(slug=row.get("slug"))
        for key in ("title", "audience", "summary", "body", "video_url", "product_categories", "tags"):
            if row.get(key) is not None:
                setattr(article, key, row.get(key))
        article = article_save(article=article, by=self.by, note=_t("导入"))
        if row.get("product_models") is not None:
            article.product_models.set([self._models[c] for c in row.get("product_models")])
        if row.get("fault_categories") is not None:
            article.fault_categories.set([self._faults[c] for c in row.get("fault_categories")])
        if row.get("status") == Article.Status.PUBLISHED and article.status != Article.Status.PUBLISHED:
            article_publish(article=article, by=self.by)


@register_exporter
class ArticleExporter(Exporter):
    key = "knowledge.article"
    model = Article
    columns = (
        ExportColumn(_("短链接"), attr("slug")),
        ExportColumn(_("标题"), attr("title"), width=30),
        ExportColumn(_("读者"), choice("audience")),
        ExportColumn(_("摘要"), attr("summary"), width=30),
        ExportColumn(_("正文"), attr("body"), width=60),
        ExportColumn(_("视频链接"), attr("video_url")),
        ExportColumn(_("适用型号"), lambda a: ",".join(m.code for m in a.product_models.all())),
        ExportColumn(_("适用品类"), lambda a: ",".join(str(dict(ProductCategory.choices).get(c, c))
                                                    for c in a.product_categories or [])),
        ExportColumn(_("故障分类"), lambda a: ",".join(f.code for f in a.fault_categories.all())),
        ExportColumn(_("标签"), lambda a: "、".join(a.tags or [])),
        ExportColumn(_("状态"), choice("status")),
        ExportColumn(_("浏览次数"), attr("view_count")),
    )

    def base_queryset(self):
        return Article.objects.prefetch_related("product_models", "fault_categories")
