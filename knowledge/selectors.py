"""Reads of the knowledge base: Chinese search, suggestions for a ticket, diagnosis trees and their stats."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Count, FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from . import search
from .models import Article, DiagnosisAnswer, DiagnosisNode, DiagnosisTree, DiagnosisWalk

if TYPE_CHECKING:
    from tickets.models import Ticket

# PostgreSQL: how many index hits are re-ranked in Python (ts_rank picks them).
PG_CANDIDATES = 300
SIMILAR_TICKET_CANDIDATES = 400
# Stored generated tsvector of segmented_text with a GIN index (PostgreSQL only, migration 0005).
_VECTOR_SQL = "knowledge_article.search_vector"


def article_published_qs(*, audience: str | None = None) -> QuerySet[Article]:
    qs = Article.objects.filter(status=Article.Status.PUBLISHED)
    if audience:
        qs = qs.filter(audience=audience)
    return qs


def article_get_published(*, slug: str, audience: str | None = Article.Audience.CUSTOMER) -> Article | None:
    return (
        article_published_qs(audience=audience)
        .prefetch_related("product_models", "fault_categories")
        .filter(slug=slug)
        .first()
    )


# Collection statistics (document frequency per token), kept per process and invalidated through a
# token in the shared cache that every article write replaces (see services.article_search_stats_invalidate).
STATS_VERSION_KEY = "knowledge:stats-version"
STATS_TTL = 600.0
# On large collections, tokens found in more than this share of articles do not select candidates
# (they still count in the ranking): ranking thousands of "手机"/"故障" matches is what costs time.
COMMON_SHARE = 0.10
COMMON_MIN_DOCS = 2000
_stats_local: dict[tuple[str, str], tuple[float, int, dict[str, int]]] = {}


def _stats_version() -> str:
    from django.core.cache import cache

    version = cache.get(STATS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(STATS_VERSION_KEY, version, None)
        version = cache.get(STATS_VERSION_KEY) or version
    return version


def corpus_stats(*, audience: str | None) -> tuple[int, dict[str, int]]:
    """(number of published articles, document frequency of every token) for an audience."""
    key = (_stats_version(), audience or "")
    now = time.monotonic()
    hit = _stats_local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    base = article_published_qs(audience=audience)
    df: dict[str, int] = {}
    if connection.vendor == "postgresql":
        inner = "SELECT search_vector FROM knowledge_article WHERE status = 'published'"
        if audience in Article.Audience.values:  # a known literal, never user text
            inner += f" AND audience = '{audience}'"
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [inner])
            df = dict(cursor.fetchall())
        total = base.count()
    else:
        total = 0
        for text in base.values_list("segmented_text", flat=True).iterator(chunk_size=2000):
            total += 1
            for token in set(text.split()):
                df[token] = df.get(token, 0) + 1
    if len(_stats_local) > 8:
        _stats_local.clear()
    _stats_local[key] = (now + STATS_TTL, total, df)
    return total, df


def _selective_terms(terms: list[str], *, total: int, df: dict[str, int]) -> list[str]:
    present = [t for t in terms if df.get(t)]
    if total < COMMON_MIN_DOCS:
        return present
    selective = [t for t in present if df[t] <= COMMON_SHARE * total]
    return selective or sorted(present, key=lambda t: df[t])[:2]


def _candidates(*, terms: list[str], audience: str | None, total: int,
                df: dict[str, int]) -> list[tuple[int, str, list]]:
    """Articles containing at least one selective term: (pk, segmented_text, product_categories)."""
    base = article_published_qs(audience=audience)
    values = ("pk", "segmented_text", "product_categories")
    terms = _selective_terms(terms, total=total, df=df)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        tsq = search.tsquery(terms)
        if not tsq:
            return []
        match = RawSQL(f"{_VECTOR_SQL} @@ to_tsquery('simple'::regconfig, %s)", [tsq],
                       output_field=BooleanField())
        rank = RawSQL(f"ts_rank({_VECTOR_SQL}, to_tsquery('simple'::regconfig, %s))", [tsq],
                      output_field=FloatField())
        return list(base.filter(match).annotate(rank=rank).order_by("-rank", "pk")
                    .values_list(*values)[:PG_CANDIDATES])
    condition = Q()
    for term in terms:
        condition |= Q(segmented_text__contains=f" {term} ")
    return list(base.filter(condition).values_list(*values))


def article_search(
    *,
    query: str,
    audience: str | None = None,
    limit: int = 10,
    product_category: str | None = None,
    boost: dict[int, float] | None = None,
) -> list[Article]:
    """Published articles ranked for a Chinese query; each result carries ``.score``.

    ``audience`` narrows to customer self-help or internal solutions; ``product_category`` demotes
    articles written for other product lines; ``boost`` multiplies the score of given article ids
    (suggestions use it for articles linked to the ticket's fault category and model).
    Two queries whatever the corpus size (candidates, result rows), plus the collection statistics
    when they are not cached in this process yet.
    """
    terms = search.query_terms(query)
    if not terms or limit <= 0:
        return []
    total, df = corpus_stats(audience=audience)
    rows = _candidates(terms=terms, audience=audience, total=total, df=df)
    scored = search.bm25(terms=terms, docs=[(pk, text) for pk, text, _cats in rows], total_docs=total, df=df)
    categories = {pk: cats or [] for pk, _text, cats in rows}
    for item in scored:
        cats = categories.get(item.pk) or []
        if product_category and cats:
            item.score *= 1.25 if product_category in cats else 0.35
        if boost and item.pk in boost:
            item.score *= boost[item.pk]
    scored.sort(key=lambda s: (-s.score, s.pk))
    top = scored[:limit]
    by_pk = Article.objects.in_bulk([s.pk for s in top])
    results = []
    for item in top:
        article = by_pk.get(item.pk)
        if article is not None:
            article.score = round(item.score, 4)
            results.append(article)
    return results


@dataclass
class TicketSuggestions:
    """What the knowledge base offers for a ticket: articles, and similar resolved tickets."""

    articles: list[Article] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)


def _ticket_query(ticket: Ticket) -> str:
    return f"{ticket.title} {ticket.description}"


def _article_boosts(*, ticket: Ticket, query: str, audience: str | None) -> dict[int, float]:
    """Articles linked to the ticket's fault category (x1.6) and product model (x1.3)."""
    boosts: dict[int, float] = {}
    if ticket.fault_category_id:
        for pk in Article.fault_categories.through.objects.filter(
            faultcategory_id=ticket.fault_category_id
        ).values_list("article_id", flat=True):
            boosts[pk] = boosts.get(pk, 1.0) * 1.6
    if ticket.product_model_id:
        for pk in Article.product_models.through.objects.filter(
            productmodel_id=ticket.product_model_id
        ).values_list("article_id", flat=True):
            boosts[pk] = boosts.get(pk, 1.0) * 1.3
    return boosts


def similar_resolved_tickets(*, ticket: Ticket, limit: int = 3) -> list[Ticket]:
    """Resolved or closed tickets of the same product line whose report reads like this one,
    each with its ``resolution`` (how it was fixed) and a ``.score``."""
    from tickets.models import Ticket as TicketModel

    terms = search.query_terms(_ticket_query(ticket))
    if not terms or limit <= 0:
        return []
    qs = (
        TicketModel.objects.filter(status__in=[TicketModel.Status.RESOLVED, TicketModel.Status.CLOSED])
        .exclude(pk=ticket.pk)
        .exclude(resolution="")
    )
    category = ticket.product_model.category if ticket.product_model_id else None
    if category:
        qs = qs.filter(product_model__category=category)
    rows = list(
        qs.order_by("-resolved_at", "-pk").values_list("pk", "title", "description", "fault_category_id")[
            :SIMILAR_TICKET_CANDIDATES
        ]
    )
    docs = [(pk, " ".join(search.tokens(f"{title} {description}"))) for pk, title, description, _fc in rows]
    scored = search.bm25(terms=terms, docs=docs, total_docs=len(docs))
    same_fault = {pk for pk, _t, _d, fc in rows if fc and fc == ticket.fault_category_id}
    for item in scored:
        if item.pk in same_fault:
            item.score *= 1.5
    scored.sort(key=lambda s: (-s.score, s.pk))
    top = scored[:limit]
    by_pk = TicketModel.objects.select_related("fault_category", "product_model").in_bulk([s.pk for s in top])
    result = []
    for item in top:
        found = by_pk.get(item.pk)
        if found is not None:
            found.score = round(item.score, 4)
            result.append(found)
    return result


def ticket_suggestions(*, ticket: Ticket, limit: int = 3, audience: str | None = None) -> TicketSuggestions:
    """The most relevant published articles for a ticket's report (boosted by its fault category and
    product model, demoted when written for another product line) and similar resolved tickets with
    their resolution. Staff see both audiences by default; customer pages pass ``audience="customer"``."""
    query = _ticket_query(ticket)
    category = ticket.product_model.category if ticket.product_model_id else None
    articles = article_search(
        query=query, audience=audience, limit=limit, product_category=category,
        boost=_article_boosts(ticket=ticket, query=query, audience=audience),
    )
    return TicketSuggestions(articles=articles, tickets=similar_resolved_tickets(ticket=ticket, limit=limit))


# ---------------------------------------------------------------------------------------------
# Guided diagnosis
# ---------------------------------------------------------------------------------------------

def tree_list(*, product_category: str | None = None) -> QuerySet[DiagnosisTree]:
    qs = DiagnosisTree.objects.filter(is_active=True, root__isnull=False).select_related("fault_category")
    if product_category:
        qs = qs.filter(product_category=product_category)
    return qs.order_by("product_category", "name")


def tree_match(*, query: str, product_category: str | None = None, limit: int = 3) -> list[DiagnosisTree]:
    """Trees whose name and keywords share tokens with the customer's words (for /help/ search)."""
    terms = set(search.query_terms(query))
    if not terms:
        return []
    ranked = []
    for tree in tree_list(product_category=product_category):
        vocab = set(search.tokens(f"{tree.name} {' '.join(tree.keywords or [])}"))
        overlap = len(terms & vocab)
        if overlap:
            ranked.append((overlap, tree.pk, tree))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [tree for _o, _pk, tree in ranked[:limit]]


def walk_get(*, uuid) -> DiagnosisWalk | None:
    return (
        DiagnosisWalk.objects.select_related(
            "tree", "current", "current__article", "current__suggested_category", "ticket"
        )
        .prefetch_related(Prefetch("current__answers", queryset=DiagnosisAnswer.objects.order_by("order", "pk")))
        .filter(uuid=uuid)
        .first()
    )


def walk_service_link(*, walk: DiagnosisWalk) -> str:
    """``/submit/?model=…&category=…&description=…`` pre-filled with what the walk learned.

    The intake form reads these query parameters; ``model`` is the product model code when the
    walk is about a known ticket/device, ``category`` the suggested fault category code.
    """
    node = walk.current
    params: dict[str, str] = {}
    if walk.ticket_id and walk.ticket.product_model_id:
        params["model"] = walk.ticket.product_model.code
    if node is not None and node.suggested_category_id:
        params["category"] = node.suggested_category.code
    elif walk.tree.fault_category_id:
        params["category"] = walk.tree.fault_category.code
    lines = [str(walk.tree.name)]
    lines += [f"{step.get('question', '')}：{step.get('answer', '')}" for step in walk.path]
    if node is not None:
        lines.append(node.text)
    params["description"] = "\n".join(lines)[:1000]
    return f"/submit/?{urlencode(params)}"


def tree_stats_qs() -> QuerySet[DiagnosisTree]:
    """Trees annotated with walk counts and the self-resolution rate (solved or self-help article
    among finished walks), in one query."""
    solved = Q(walks__outcome__in=[DiagnosisNode.Kind.SOLVED, DiagnosisNode.Kind.ARTICLE])
    return DiagnosisTree.objects.select_related("fault_category").annotate(
        walk_count=Count("walks", distinct=True),
        finished_count=Count("walks", filter=~Q(walks__outcome=""), distinct=True),
        solved_count=Count("walks", filter=solved, distinct=True),
        service_count=Count("walks", filter=Q(walks__outcome=DiagnosisNode.Kind.SERVICE), distinct=True),
    )


def self_resolution_rate(*, solved: int, finished: int) -> float | None:
    return round(100.0 * solved / finished, 1) if finished else None


def tree_problems(*, tree: DiagnosisTree) -> list[str]:
    """What keeps a tree from being walkable: no root, questions without answers, outcomes with
    answers, answers pointing into another tree, cycles."""
    from django.utils.translation import gettext as _

    nodes = {n.pk: n for n in tree.nodes.all()}
    answers = list(DiagnosisAnswer.objects.filter(node__tree=tree).select_related("next_node"))
    problems = []
    if tree.root_id is None:
        problems.append(_("未设置起始节点。"))
    elif tree.root_id not in nodes:
        problems.append(_("起始节点不属于本流程。"))
    edges: dict[int, list[int]] = {pk: [] for pk in nodes}
    for answer in answers:
        if answer.next_node.tree_id != tree.pk:
            problems.append(_("回答“%(label)s”指向其他流程的节点。") % {"label": answer.label})
            continue
        edges[answer.node_id].append(answer.next_node_id)
    for node in nodes.values():
        if node.kind == DiagnosisNode.Kind.QUESTION and not edges[node.pk]:
            problems.append(_("问题“%(text)s”没有回答选项。") % {"text": node.text})
        if node.is_outcome and edges[node.pk]:
            problems.append(_("结论“%(text)s”不应有回答选项。") % {"text": node.text})
        if node.kind == DiagnosisNode.Kind.ARTICLE and node.article_id is None:
            problems.append(_("结论“%(text)s”未关联自助文章。") % {"text": node.text})
    state: dict[int, int] = {}

    def visit(pk: int) -> bool:
        state[pk] = 1
        for nxt in edges.get(pk, []):
            if state.get(nxt) == 1 or (state.get(nxt) is None and visit(nxt)):
                return True
        state[pk] = 2
        return False

    if any(state.get(pk) is None and visit(pk) for pk in nodes):
        problems.append(_("流程存在循环。"))
    return problems
