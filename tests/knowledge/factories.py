from __future__ import annotations

import factory

from knowledge.models import Article


class ArticleFactory(factory.django.DjangoModelFactory):
    """Saves through ``article_save`` (index text and a version row) and publishes unless told."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"文章{n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "正文"
    audience = "customer"

    @classmethod
    def _create(cls, model_class, *args, publish=True, **kwargs):
        from knowledge.services import article_publish, article_save

        article = article_save(article=model_class(**kwargs), by=None)
        if publish:
            article = article_publish(article=article, by=None)
        return article
