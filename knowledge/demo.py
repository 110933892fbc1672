"""Demo knowledge for ``manage.py seed_demo`` (idempotent: articles and trees are found by slug)."""

from __future__ import annotations

import random

from tickets.models import FaultCategory

from . import services
from .demo_data import ARTICLES, INTERNAL_ARTICLES, TREES
from .models import Article, DiagnosisTree, DiagnosisWalk


def seed_articles(*, by=None) -> int:
    """Create and publish every demo article that does not exist yet; returns how many were created."""
    created = 0
    existing = set(Article.objects.values_list("slug", flat=True))
    for audience, rows in ((Article.Audience.CUSTOMER, ARTICLES), (Article.Audience.INTERNAL, INTERNAL_ARTICLES)):
        for row in rows:
            if row["slug"] in existing:
                continue
            article = services.article_save(article=Article(
                slug=row["slug"], title=row["title"], summary=row.get("summary", ""), body=row["body"],
                audience=audience, product_categories=row.get("categories", []), tags=row.get("tags", []),
                video_url=row.get("video", "")), by=by, note="demo")
            faults = list(FaultCategory.objects.filter(code__in=row.get("faults", [])))
            if faults:
                article.fault_categories.set(faults)
            services.article_publish(article=article, by=None)
            created += 1
    return created


def seed_trees() -> list[DiagnosisTree]:
    return [services.tree_create_from_definition(definition=definition) for definition in TREES]


def seed_walks(*, trees: list[DiagnosisTree], per_tree: int = 12) -> int:
    """Record a few customer walks per tree (random answers) so the self-resolution report has data."""
    rng = random.Random(7)
    recorded = 0
    for tree in trees:
        if DiagnosisWalk.objects.filter(tree=tree).exists():
            continue
        for _i in range(per_tree):
            walk = services.walk_start(tree=tree)
            for _step in range(20):
                if walk.outcome or walk.current is None:
                    break
                answers = list(walk.current.answers.all())
                if not answers:
                    break
                walk = services.walk_answer(walk=walk, answer_id=rng.choice(answers).pk)
            recorded += 1
    return recorded


def seed(*, stdout) -> None:
    created = seed_articles()
    trees = seed_trees()
    walks = seed_walks(trees=trees)
    stdout.write(f"  knowledge: {created} new articles ({Article.objects.count()} total), "
                 f"{len(trees)} diagnosis trees, {walks} demo walks")
