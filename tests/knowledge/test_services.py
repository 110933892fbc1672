from __future__ import annotations

import pytest

from knowledge import services
from knowledge.demo_data import TREES
from knowledge.models import Article, ArticleVersion, DiagnosisNode, DiagnosisWalk
from knowledge.selectors import self_resolution_rate, tree_problems, tree_stats_qs, walk_service_link
from tests.factories import FaultCategoryFactory, ProductModelFactory, TicketFactory
from tests.knowledge.factories import ArticleFactory
from tickets.exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from tickets.models import TicketEvent


@pytest.fixture
def charging_tree(db):
    FaultCategoryFactory(code="charging", name="充电故障")
    FaultCategoryFactory(code="water_damage", name="进水")
    ArticleFactory(slug="phone-slow-charging", title="手机充电慢")
    return services.tree_create_from_definition(definition=TREES[0])


def test_every_save_writes_a_version(db, ops_user):
    article = services.article_save(article=Article(title="冰箱不制冷", slug="fridge", body="v1"), by=ops_user)
    article.body = "v2 检查门封"
    services.article_save(article=article, by=ops_user, note="补充门封")
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].body == "v2 检查门封"
    assert versions[1].note == "补充门封"
    assert versions[1].edited_by == ops_user
    assert " 门封 " in Article.objects.get(pk=article.pk).segmented_text


def test_invalid_article_is_refused(db):
    with pytest.raises(ValidationFailed) as exc:
        services.article_save(article=Article(title="", slug="x y", body=""))
    assert {"title", "slug", "body"} <= set(exc.value.extra["fields"])
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("source", "name", "allowed"),
    [
        ("draft", "publish", True), ("draft", "archive", False), ("draft", "unpublish", False),
        ("published", "publish", False), ("published", "archive", True), ("published", "unpublish", True),
        ("archived", "publish", True), ("archived", "archive", False), ("archived", "unpublish", False),
    ],
)
def test_article_transition_matrix(db, source, name, allowed):
    article = ArticleFactory(publish=False)
    Article.objects.filter(pk=article.pk).update(status=source)
    article.refresh_from_db()
    call = getattr(services, f"article_{name}")
    if allowed:
        assert call(article=article, by=None).status != source
    else:
        with pytest.raises(InvalidTransition):
            call(article=article, by=None)


def test_publishing_needs_the_permission(db, agent, ops_user):
    article = ArticleFactory(publish=False)
    with pytest.raises(PermissionDeniedError):
        services.article_publish(article=article, by=agent)
    assert services.article_publish(article=article, by=ops_user).status == "published"
    assert ArticleVersion.objects.filter(article=article).latest("number").status == "published"


def test_customer_walk_to_service_builds_the_intake_link(charging_tree):
    walk = services.walk_start(tree=charging_tree)
    labels = ["还是不行", "还是不行", "进过水或摔过"]
    for label in labels:
        answer = walk.current.answers.get(label=label)
        walk = services.walk_answer(walk=walk, answer_id=answer.pk)
    assert walk.outcome == DiagnosisNode.Kind.SERVICE
    assert walk.finished_at is not None
    assert len(walk.path) == 3
    link = walk_service_link(walk=walk)
    assert link.startswith("/submit/?")
    assert "category=water_damage" in link
    assert "description=" in link
    with pytest.raises(InvalidTransition):
        services.walk_answer(walk=walk, answer_id=answer.pk)


def test_answer_of_another_question_is_refused(charging_tree):
    walk = services.walk_start(tree=charging_tree)
    other = charging_tree.nodes.get(key="port").answers.first()
    with pytest.raises(ValidationFailed):
        services.walk_answer(walk=walk, answer_id=other.pk)
    walk.refresh_from_db()
    assert walk.path == []


def test_back_undoes_the_last_answer(charging_tree):
    walk = services.walk_start(tree=charging_tree)
    walk = services.walk_answer(walk=walk, answer_id=walk.current.answers.get(label="还是不行").pk)
    walk = services.walk_back(walk=walk)
    assert walk.current_id == charging_tree.root_id
    assert walk.path == []


def test_agent_walk_inside_a_ticket_is_recorded_on_the_timeline(charging_tree, agent):
    ticket = TicketFactory(product_model=ProductModelFactory(code="HW-TEST"))
    walk = services.walk_start(tree=charging_tree, channel=DiagnosisWalk.Channel.AGENT, ticket=ticket, by=agent)
    walk = services.walk_answer(walk=walk, answer_id=walk.current.answers.get(label="能充电了").pk, by=agent)
    assert walk.outcome == "solved"
    event = TicketEvent.objects.get(ticket=ticket, kind="knowledge.diagnosis")
    assert event.actor == agent
    assert event.customer_visible is False
    assert "换一根原装数据线" in event.message
    assert "model=HW-TEST" in walk_service_link(walk=walk)


def test_self_resolution_rate_per_tree(charging_tree, django_assert_num_queries):
    for label in ("能充电了", "还是不行"):
        walk = services.walk_start(tree=charging_tree)
        services.walk_answer(walk=walk, answer_id=walk.current.answers.get(label=label).pk)
    services.walk_start(tree=charging_tree)  # abandoned
    with django_assert_num_queries(1):
        tree = tree_stats_qs().get(pk=charging_tree.pk)
    assert (tree.walk_count, tree.finished_count, tree.solved_count) == (3, 1, 1)
    assert self_resolution_rate(solved=tree.solved_count, finished=tree.finished_count) == 100.0


def test_tree_problems_are_reported(charging_tree):
    assert tree_problems(tree=charging_tree) == []
    charging_tree.nodes.filter(key="icon").first().answers.all().delete()
    assert any("没有回答选项" in p for p in tree_problems(tree=charging_tree))
    node = charging_tree.nodes.get(key="port")
    node.answers.create(label="循环", next_node=charging_tree.root)
    assert any("循环" in p for p in tree_problems(tree=charging_tree))
