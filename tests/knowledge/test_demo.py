from __future__ import annotations

import io

from knowledge import demo
from knowledge.demo_data import ARTICLES, INTERNAL_ARTICLES, TREES
from knowledge.models import Article, ArticleVersion, DiagnosisTree, DiagnosisWalk
from knowledge.selectors import tree_problems


def test_demo_seed_is_idempotent_and_trees_are_valid(db):
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert Article.objects.filter(status="published").count() == len(ARTICLES) + len(INTERNAL_ARTICLES)
    assert DiagnosisTree.objects.count() == len(TREES) >= 3
    for tree in DiagnosisTree.objects.all():
        assert tree_problems(tree=tree) == [], tree.slug
    assert DiagnosisWalk.objects.filter(outcome="").count() == 0
    assert DiagnosisWalk.objects.count() == 12 * len(TREES)
    # one version for the save and one for publishing, per article
    assert ArticleVersion.objects.count() == 2 * Article.objects.count()
