"""Writes of the knowledge base: article saves with version history, publishing, diagnosis walks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from tickets import policy
from tickets.exceptions import InvalidTransition, ValidationFailed

from . import search
from .models import Article, ArticleVersion, DiagnosisAnswer, DiagnosisNode, DiagnosisTree, DiagnosisWalk

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from tickets.models import Ticket


def article_search_stats_invalidate() -> None:
    """Make every process recompute the search statistics (document frequencies), now and after
    commit. Article services call it; bulk loads that bypass them (imports, benchmarks) must too."""
    import uuid

    from django.core.cache import cache

    from .selectors import STATS_VERSION_KEY

    cache.set(STATS_VERSION_KEY, uuid.uuid4().hex, None)
    # Again after commit: a process may have recomputed from the not yet committed state meanwhile.
    transaction.on_commit(lambda: cache.set(STATS_VERSION_KEY, uuid.uuid4().hex, None), robust=True)


def _version_add(*, article: Article, by: AbstractBaseUser | None, note: str) -> ArticleVersion:
    article_search_stats_invalidate()
    Article.objects.filter(pk=article.pk).update(version=F("version") + 1)
    article.refresh_from_db(fields=["version"])
    return ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, summary=article.summary,
        body=article.body, video_url=article.video_url, status=article.status, note=note[:200],
        edited_by=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def article_save(*, article: Article, by: AbstractBaseUser | None = None, note: str = "") -> Article:
    """Create or update an article from its (unsaved) field values.

    Guarantees: the fields are valid, the search index text is recomputed from title, summary,
    tags and body, and an ``ArticleVersion`` row records this state (one per save). Raises
    ValidationFailed with the field errors; nothing is saved then. Links to product models and
    fault categories are many-to-many and set by the caller after the save.
    """
    if article.pk is None and article.author_id is None and getattr(by, "pk", None):
        article.author = by
    try:
        article.full_clean(exclude=["status"])
    except ValidationError as exc:
        raise ValidationFailed(_("文章内容有误。"), extra={"fields": exc.message_dict})
    article.segmented_text = search.index_text(
        title=article.title, summary=article.summary, body=article.body, tags=article.tags or []
    )
    article.save()
    _version_add(article=article, by=by, note=note or (_("新建") if article.version == 0 else _("编辑")))
    return article


def _check_publisher(by: AbstractBaseUser | None) -> None:
    policy.require(by, "knowledge.publish_article", message=_("您没有发布或归档知识文章的权限。"))


def _article_transition(*, article: Article, name: str, by: AbstractBaseUser | None, note: str) -> Article:
    _check_publisher(by)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        method = getattr(article, name)
        if not can_proceed(method):
            raise InvalidTransition(
                _("文章当前为“%(state)s”，不能执行此操作。") % {"state": article.get_status_display()},
                extra={"state": article.status, "transition": name},
            )
        method()
        article.save()
        _version_add(article=article, by=by, note=note)
    return article


def article_publish(*, article: Article, by: AbstractBaseUser | None) -> Article:
    """Draft or archived -> published (visible on /help/ and in search). Writes a version row.
    Raises PermissionDeniedError or InvalidTransition."""
    return _article_transition(article=article, name="publish", by=by, note=_("发布"))


def article_archive(*, article: Article, by: AbstractBaseUser | None) -> Article:
    """Published -> archived (hidden from search, kept with its history)."""
    return _article_transition(article=article, name="archive", by=by, note=_("归档"))


def article_unpublish(*, article: Article, by: AbstractBaseUser | None) -> Article:
    """Published -> draft (withdrawn for rework)."""
    return _article_transition(article=article, name="unpublish", by=by, note=_("撤回为草稿"))


def article_view_record(*, article: Article) -> None:
    """Count a view without touching ``updated_at`` (a read is not an edit)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def article_reindex_all() -> int:
    """Recompute ``segmented_text`` of every article (after the synonym lexicon changed)."""
    count = 0
    for article in Article.objects.only("pk", "title", "summary", "body", "tags").iterator(chunk_size=500):
        text = search.index_text(title=article.title, summary=article.summary, body=article.body,
                                 tags=article.tags or [])
        Article.objects.filter(pk=article.pk).update(segmented_text=text)
        count += 1
    article_search_stats_invalidate()
    return count


# ---------------------------------------------------------------------------------------------
# Guided diagnosis
# ---------------------------------------------------------------------------------------------

def _finish_if_outcome(walk: DiagnosisWalk, node: DiagnosisNode, by: AbstractBaseUser | None) -> None:
    if not node.is_outcome:
        return
    walk.outcome = node.kind
    walk.finished_at = timezone.now()
    if walk.ticket_id:
        from tickets.services import ticket_event_add

        steps = "；".join(f"{s['question']}→{s['answer']}" for s in walk.path)
        ticket_event_add(
            ticket=walk.ticket, kind="knowledge.diagnosis", by=by,
            message=_("引导诊断“%(tree)s”：%(steps)s。结论：%(outcome)s %(text)s")
            % {"tree": walk.tree.name, "steps": steps or "-", "outcome": node.get_kind_display(), "text": node.text},
            payload={
                "walk": str(walk.uuid), "tree_id": walk.tree_id, "outcome": node.kind,
                "suggested_category": node.suggested_category.code if node.suggested_category_id else None,
                "suggested_service_mode": node.suggested_service_mode,
                "suggested_parts": node.suggested_parts,
            },
        )


@transaction.atomic
def walk_start(
    *,
    tree: DiagnosisTree,
    channel: str = DiagnosisWalk.Channel.CUSTOMER,
    ticket: Ticket | None = None,
    by: AbstractBaseUser | None = None,
) -> DiagnosisWalk:
    """Start recording a walk at the tree's root. Raises ValidationFailed for an inactive tree or
    one without a root."""
    if not tree.is_active or tree.root_id is None:
        raise ValidationFailed(_("该诊断流程暂不可用。"))
    if channel not in DiagnosisWalk.Channel.values:
        raise ValidationFailed(_("未知渠道。"))
    walk = DiagnosisWalk.objects.create(
        tree=tree, channel=channel, ticket=ticket, user=by if getattr(by, "pk", None) else None,
        current_id=tree.root_id,
    )
    root = DiagnosisNode.objects.select_related("suggested_category", "article").get(pk=tree.root_id)
    walk.current = root
    if root.is_outcome:
        _finish_if_outcome(walk, root, by)
        walk.save(update_fields=["outcome", "finished_at", "updated_at"])
    return walk


@transaction.atomic
def walk_answer(*, walk: DiagnosisWalk, answer_id: int, by: AbstractBaseUser | None = None) -> DiagnosisWalk:
    """Record one answer and move to the next node; reaching an outcome finishes the walk (and,
    for a walk inside a ticket, writes an internal timeline event with the path and the outcome).

    Raises InvalidTransition when the walk is already finished, ValidationFailed when the answer
    does not belong to the current question (e.g. a stale page posted twice).
    """
    walk = DiagnosisWalk.objects.select_for_update(of=("self",)).select_related("tree", "ticket").get(pk=walk.pk)
    if walk.outcome:
        raise InvalidTransition(_("本次诊断已结束。"))
    answer = (
        DiagnosisAnswer.objects.select_related("node", "next_node", "next_node__suggested_category",
                                               "next_node__article")
        .filter(pk=answer_id, node_id=walk.current_id)
        .first()
    )
    if answer is None:
        raise ValidationFailed(_("请选择当前问题的一个回答。"))
    walk.path = [*walk.path, {"node": answer.node_id, "question": answer.node.text, "answer": answer.label}]
    walk.current = answer.next_node
    _finish_if_outcome(walk, answer.next_node, by)
    walk.save(update_fields=["path", "current", "outcome", "finished_at", "updated_at"])
    return walk


@transaction.atomic
def walk_back(*, walk: DiagnosisWalk) -> DiagnosisWalk:
    """Undo the last answer of an unfinished walk (the customer picked the wrong button)."""
    walk = DiagnosisWalk.objects.select_for_update().get(pk=walk.pk)
    if walk.outcome:
        raise InvalidTransition(_("本次诊断已结束。"))
    if not walk.path:
        return walk
    last = walk.path[-1]
    walk.path = walk.path[:-1]
    walk.current_id = last["node"]
    walk.save(update_fields=["path", "current", "updated_at"])
    return walk


def _first_category(codes):
    from tickets.models import FaultCategory

    if not codes:
        return None
    found = {c.code: c for c in FaultCategory.objects.filter(code__in=list(codes))}
    return next((found[c] for c in codes if c in found), None)


@transaction.atomic
def tree_create_from_definition(*, definition: dict) -> DiagnosisTree:
    """Create a diagnosis tree with its nodes and answers from a plain definition (demo data, imports).

    ``definition``: slug, name, category, faults (codes, first existing is linked), keywords, intro,
    nodes {key: {kind, text, help, article (slug), category (codes), mode, parts}} (first = root),
    answers [(from key, label, to key)]. Idempotent by slug: an existing tree is returned untouched.
    Raises ValidationFailed when an answer names an unknown node or the tree has problems.
    """
    from .selectors import tree_problems

    existing = DiagnosisTree.objects.filter(slug=definition["slug"]).first()
    if existing is not None:
        return existing
    tree = DiagnosisTree.objects.create(
        slug=definition["slug"], name=definition["name"], product_category=definition["category"],
        fault_category=_first_category(definition.get("faults")), intro=definition.get("intro", ""),
        keywords=list(definition.get("keywords", [])),
    )
    articles = {a.slug: a for a in Article.objects.filter(
        slug__in=[n["article"] for n in definition["nodes"].values() if n.get("article")])}
    nodes = {}
    for order, (key, spec) in enumerate(definition["nodes"].items()):
        nodes[key] = DiagnosisNode.objects.create(
            tree=tree, key=key, order=order, kind=spec.get("kind", DiagnosisNode.Kind.QUESTION),
            text=spec["text"], help_text=spec.get("help", ""), article=articles.get(spec.get("article")),
            suggested_category=_first_category(spec.get("category")),
            suggested_service_mode=spec.get("mode", ""), suggested_parts=list(spec.get("parts", [])),
        )
    for order, (source, label, target) in enumerate(definition["answers"]):
        if source not in nodes or target not in nodes:
            raise ValidationFailed(_("回答“%(label)s”指向未知节点。") % {"label": label})
        DiagnosisAnswer.objects.create(node=nodes[source], label=label, next_node=nodes[target], order=order)
    tree.root = next(iter(nodes.values()))
    tree.save(update_fields=["root", "updated_at"])
    problems = tree_problems(tree=tree)
    if problems:
        raise ValidationFailed("；".join(problems))
    return tree
