from __future__ import annotations

import pytest

from knowledge import search
from knowledge.selectors import article_search, ticket_suggestions
from knowledge.services import article_archive
from tests.factories import FaultCategoryFactory, ProductModelFactory, TicketFactory
from tests.knowledge.factories import ArticleFactory


def test_tokens_expand_colloquial_phrases():
    assert "充电" in search.tokens("充不进电")
    assert "充电故障" in search.tokens("充不进电")
    assert set(search.tokens("充电故障排查")) >= {"充电", "故障"}
    assert "的" not in search.tokens("手机的屏幕")


def test_tokens_fold_full_width_and_case():
    assert "wifi" in search.tokens("ＷｉＦｉ连不上")


def test_tsquery_quotes_only_word_tokens():
    assert search.tsquery(["充电", "a'b", "wifi"]) == "'充电' | 'wifi'"


@pytest.fixture
def corpus(db):
    return {
        "charge": ArticleFactory(title="充电故障排查", summary="手机无法充电时的自检步骤",
                                 body="检查充电器、数据线和充电口是否有异物。", product_categories=["phone"]),
        "screen": ArticleFactory(title="屏幕碎裂怎么办", summary="碎屏更换屏幕的流程",
                                 body="屏幕摔碎后请勿继续使用，预约屏幕更换。", product_categories=["phone"]),
        "fridge": ArticleFactory(title="冰箱不制冷自检指南", summary="冰箱制冷效果差",
                                 body="检查温控器档位、门封是否关严、散热空间。", product_categories=["fridge"]),
        "boot": ArticleFactory(title="笔记本无法开机", summary="开机故障排查",
                               body="拔掉电源适配器，长按电源键 15 秒后再开机。", product_categories=["laptop"]),
        "internal": ArticleFactory(title="充电 IC 更换方案", audience="internal",
                                   body="主板充电 IC 损坏导致无法充电，更换充电 IC。", product_categories=["phone"]),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("充不进电", "charge"),
        ("手机充不上电了怎么办", "charge"),
        ("屏幕摔碎了", "screen"),
        ("冰箱不冷了", "fridge"),
        ("电脑开不了机", "boot"),
    ],
)
def test_search_finds_the_right_article_first(corpus, query, expected):
    results = article_search(query=query, audience="customer")
    assert results, query
    assert results[0].pk == corpus[expected].pk
    assert results[0].score > 0


def test_search_respects_audience_and_status(corpus):
    assert corpus["internal"].pk not in [a.pk for a in article_search(query="充电", audience="customer")]
    assert corpus["internal"].pk in [a.pk for a in article_search(query="充电 IC", audience=None)]
    article_archive(article=corpus["charge"], by=None)
    assert corpus["charge"].pk not in [a.pk for a in article_search(query="充不进电")]


def test_search_of_nothing_returns_nothing(corpus):
    assert article_search(query="的了吗") == []
    assert article_search(query="") == []


def test_search_uses_a_constant_number_of_queries(corpus, django_assert_num_queries):
    article_search(query="充电", limit=10)  # collection statistics are computed once per process
    with django_assert_num_queries(2):
        article_search(query="充电 屏幕 冰箱 开机", limit=10)


def test_common_terms_do_not_select_candidates_on_large_collections():
    from knowledge.selectors import _selective_terms

    df = {"手机": 900, "故障": 700, "充电": 80, "尾插": 3}
    assert _selective_terms(["手机", "充电", "尾插", "未知"], total=2500, df=df) == ["充电", "尾插"]
    assert _selective_terms(["手机", "故障"], total=2500, df=df) == ["故障", "手机"]
    assert _selective_terms(["手机", "充电"], total=100, df=df) == ["手机", "充电"]


def test_ticket_suggestions_articles_and_similar_tickets(corpus):
    from tickets.models import Ticket
    from tickets.services import ticket_transition

    phone = ProductModelFactory(category="phone")
    category = FaultCategoryFactory(code="charging", name="充电故障")
    corpus["charge"].fault_categories.add(category)
    old = TicketFactory(description="手机充不进电，换了充电器也不行", product_model=phone, fault_category=category)
    Ticket.objects.filter(pk=old.pk).update(status="in_progress")
    old.refresh_from_db()
    ticket_transition(ticket=old, transition="resolve", by=None, updates={"resolution": "更换尾插排线后充电正常"})
    other = TicketFactory(description="屏幕碎了", product_model=phone)
    Ticket.objects.filter(pk=other.pk).update(status="closed", resolution="更换屏幕总成")

    ticket = TicketFactory(description="插上充电器没反应，充不进电", product_model=phone)
    found = ticket_suggestions(ticket=ticket, limit=3)
    assert found.articles[0].pk == corpus["charge"].pk
    assert found.tickets[0].pk == old.pk
    assert found.tickets[0].resolution == "更换尾插排线后充电正常"


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(corpus):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM knowledge_article WHERE search_vector @@ to_tsquery('simple'::regconfig, %s)",
            ["'充电'"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "knowledge_article_sv_idx" in plan
