"""Knowledge articles by import: saved through article_save (a version row, the search text), linked to
models and fault categories, published only with the publish permission."""

from __future__ import annotations

import pytest

from knowledge.models import Article, ArticleVersion
from knowledge.resources import ArticleExporter, ArticleImporter
from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run

pytestmark = pytest.mark.django_db

HEADER = ["短链接", "标题", "读者", "正文", "适用型号", "故障分类", "标签", "状态"]


def test_articles_are_saved_linked_and_published(ops_user):
    factories.ProductModelFactory(code="P60")
    factories.FaultCategoryFactory(code="screen-broken")
    data = csv_bytes([HEADER, ["p60-flicker", "P60 屏幕闪烁", "客户自助", "重启后仍闪烁请报修", "p60", "screen-broken",
                               "屏幕、闪烁", "已发布"]])
    report = run(ArticleImporter, data, by=ops_user)
    assert report.created == 1, report.errors
    article = Article.objects.get(slug="p60-flicker")
    assert article.status == Article.Status.PUBLISHED
    assert list(article.product_models.values_list("code", flat=True)) == ["P60"]
    assert article.tags == ["屏幕", "闪烁"]
    assert article.segmented_text
    assert ArticleVersion.objects.filter(article=article).count() == 2  # saved, then published


def test_article_errors_all_at_once(ops_user, agent):
    data = csv_bytes([HEADER, ["坏 短链接", "", "火星人", "", "NOPE", "nope", "", "已发布"]])
    errors = errors_by_line(run(ArticleImporter, data, by=ops_user, write=False))
    assert {c for c, _r in errors[2]} == {"短链接", "标题", "读者", "正文", "适用型号", "故障分类"}
    assert not Article.objects.exists()


def test_article_export_has_chinese_headers_and_labels(ops_user):
    Article.objects.create(slug="a", title="=cmd|' /C calc'!A0", body="正文")
    exporter = ArticleExporter(user=ops_user)
    assert exporter.header()[:3] == ["短链接", "标题", "读者"]
    row = next(exporter.rows())
    assert row[2] == "客户自助"
    body = b"".join(exporter.csv_chunks()).decode("utf-8-sig")
    assert "'=cmd" in body
