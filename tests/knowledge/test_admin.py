from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge import demo, services
from knowledge.models import Article, ArticleVersion, DiagnosisTree, DiagnosisWalk
from tests.factories import ProductModelFactory, TicketFactory
from tests.knowledge.factories import ArticleFactory
from tickets.models import TicketEvent


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/admin/knowledge/article/", "/admin/knowledge/diagnosistree/", "/admin/knowledge/diagnosiswalk/",
     "/admin/knowledge/articleversion/", "/admin/knowledge/article/?q=充不进电", "/admin/knowledge/diagnosisnode/",
     "/admin/knowledge/diagnosisanswer/"],
)
def test_lists_use_a_constant_number_of_queries(client, superuser, url):
    client.force_login(superuser)
    demo.seed_articles()
    trees = demo.seed_trees()[:2]
    demo.seed_walks(trees=trees, per_tree=2)
    few = _queries(client, url)
    for i in range(5):
        ArticleFactory(title=f"充电故障 {i}", body="充电")
    demo.seed_trees()
    for tree in DiagnosisTree.objects.all():
        services.walk_start(tree=tree)
    assert _queries(client, url) == few


def test_admin_search_is_chinese_aware(client, superuser):
    client.force_login(superuser)
    ArticleFactory(title="充电故障排查", body="检查充电口")
    ArticleFactory(title="冰箱不制冷", body="门封")
    page = client.get("/admin/knowledge/article/", {"q": "充不进电"})
    assert [a.title for a in page.context["cl"].result_list] == ["充电故障排查"]


def test_admin_save_writes_versions_and_publish_action(client, ops_user):
    client.force_login(ops_user)
    data = {"title": "洗衣机不脱水", "slug": "washer-spin", "audience": "customer", "summary": "", "body": "清理过滤器",
            "video_url": "", "product_categories": '["washer"]', "tags": "[]", "change_note": "初稿",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"}
    added = client.post("/admin/knowledge/article/add/", data)
    assert added.status_code == 302, added.context["adminform"].form.errors
    article = Article.objects.get(slug="washer-spin")
    assert article.author == ops_user
    assert " 脱水 " in article.segmented_text
    client.post("/admin/knowledge/article/", {"action": "publish_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == "published"
    assert ArticleVersion.objects.filter(article=article).count() == 2


def test_agent_walks_a_tree_from_a_ticket(client, agent):
    demo.seed_articles()
    tree = demo.seed_trees()[0]
    ticket = TicketFactory(description="手机充不进电", product_model=ProductModelFactory(category="phone"))
    client.force_login(agent)
    pick = client.get(f"/admin/knowledge/diagnosistree/walk/?ticket={ticket.pk}")
    assert pick.status_code == 200
    assert tree.name in pick.content.decode()
    assert "手机充不进电自检指南" in pick.content.decode()
    url = f"/admin/knowledge/diagnosistree/{tree.pk}/walk/?ticket={ticket.pk}"
    started = client.post(url, {"start": "1", "ticket": ticket.pk})
    walk = DiagnosisWalk.objects.get()
    assert walk.channel == "agent"
    assert walk.ticket == ticket
    assert walk.user == agent
    step_url = started["Location"]
    assert client.get(step_url).status_code == 200
    for label in ("还是不行", "还是不行", "没有", "没有反应"):
        walk.refresh_from_db()
        client.post(step_url, {"answer": walk.current.answers.get(label=label).pk})
    walk.refresh_from_db()
    assert walk.outcome == "service"
    page = client.get(step_url).content.decode()
    assert "尾插排线" in page
    assert TicketEvent.objects.filter(ticket=ticket, kind="knowledge.diagnosis").exists()


def test_walk_view_needs_permission(client, warehouse_user):
    demo.seed_articles()
    tree = demo.seed_trees()[0]
    client.force_login(warehouse_user)
    assert client.get(f"/admin/knowledge/diagnosistree/{tree.pk}/walk/").status_code in (302, 403)
