from __future__ import annotations

import pytest

from knowledge import services
from knowledge.demo_data import TREES
from knowledge.models import DiagnosisWalk
from tests.factories import FaultCategoryFactory
from tests.knowledge.factories import ArticleFactory


@pytest.fixture
def tree(db):
    FaultCategoryFactory(code="charging", name="充电故障")
    ArticleFactory(slug="phone-slow-charging", title="手机充电慢怎么办", body="使用原装充电器")
    ArticleFactory(slug="phone-charging-selfcheck", title="手机充不进电自检指南", body="清理充电口",
                   product_categories=["phone"])
    return services.tree_create_from_definition(definition=TREES[0])


def test_help_page_lists_trees_and_searches(client, tree):
    page = client.get("/help/")
    assert page.status_code == 200
    assert "手机充不进电" in page.content.decode()
    found = client.get("/help/", {"q": "充不进电"})
    html = found.content.decode()
    assert "手机充不进电自检指南" in html
    assert "/help/d/phone-not-charging/" in html


def test_help_search_query_count_is_constant(client, tree, django_assert_max_num_queries):
    for i in range(10):
        ArticleFactory(title=f"充电问题 {i}", body="充电")
    with django_assert_max_num_queries(6):
        client.get("/help/", {"q": "充电"})


def test_article_page_counts_views_and_hides_drafts(client, tree):
    page = client.get("/help/a/phone-charging-selfcheck/")
    assert page.status_code == 200
    assert "清理充电口" in page.content.decode()
    draft = ArticleFactory(slug="draft-one", publish=False)
    assert client.get(f"/help/a/{draft.slug}/").status_code == 404
    internal = ArticleFactory(slug="internal-one", audience="internal")
    assert client.get(f"/help/a/{internal.slug}/").status_code == 404


def test_customer_walks_a_tree_to_the_prefilled_service_link(client, tree):
    start = client.post("/help/d/phone-not-charging/")
    assert start.status_code == 302
    walk = DiagnosisWalk.objects.get()
    assert start["Location"] == f"/help/w/{walk.uuid}/"
    for label in ("还是不行", "还是不行", "没有", "没有反应"):
        walk.refresh_from_db()
        answer = walk.current.answers.get(label=label)
        assert client.post(f"/help/w/{walk.uuid}/", {"answer": answer.pk}).status_code == 302
    page = client.get(f"/help/w/{walk.uuid}/")
    html = page.content.decode()
    assert "建议送修或预约服务" in html
    assert "/submit/?category=charging" in html
    walk.refresh_from_db()
    assert walk.outcome == "service"


def test_stale_answer_shows_an_error(client, tree):
    client.post("/help/d/phone-not-charging/")
    walk = DiagnosisWalk.objects.get()
    wrong = tree.nodes.get(key="icon").answers.first()
    page = client.post(f"/help/w/{walk.uuid}/", {"answer": wrong.pk})
    assert page.status_code == 400
    assert "请选择当前问题的一个回答" in page.content.decode()


def test_unknown_walk_is_404(client, db):
    assert client.get("/help/w/00000000-0000-0000-0000-000000000000/").status_code == 404
