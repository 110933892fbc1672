"""Customer self-help pages under /help/: search, articles and guided diagnosis walks."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tickets.exceptions import DomainError
from tickets.models import ProductCategory

from . import selectors, services
from .models import Article, DiagnosisTree, DiagnosisWalk


def help_home(request):
    query = (request.GET.get("q") or "").strip()[:100]
    category = request.GET.get("category") or ""
    if category not in ProductCategory.values:
        category = ""
    trees = list(selectors.tree_list(product_category=category or None))
    groups: dict[str, list[DiagnosisTree]] = {}
    for tree in trees:
        groups.setdefault(tree.get_product_category_display(), []).append(tree)
    context = {
        "query": query, "category": category, "groups": groups,
        "categories": [(value, label) for value, label in ProductCategory.choices
                       if any(t.product_category == value for t in trees) or value == category],
    }
    if query:
        context["articles"] = selectors.article_search(
            query=query, audience=Article.Audience.CUSTOMER, limit=10, product_category=category or None)
        context["matched_trees"] = selectors.tree_match(query=query, product_category=category or None)
    return render(request, "knowledge/help.html", context)


def article_detail(request, slug: str):
    article = selectors.article_get_published(slug=slug)
    if article is None:
        raise Http404
    services.article_view_record(article=article)
    related = [a for a in selectors.article_search(query=article.title, audience=Article.Audience.CUSTOMER,
                                                   limit=4) if a.pk != article.pk][:3]
    return render(request, "knowledge/article.html", {"article": article, "related": related})


@require_http_methods(["GET", "POST"])
def tree_start(request, slug: str):
    tree = get_object_or_404(selectors.tree_list(), slug=slug)
    if request.method == "POST":
        try:
            walk = services.walk_start(tree=tree, channel=DiagnosisWalk.Channel.CUSTOMER)
        except DomainError as exc:
            return render(request, "knowledge/tree.html", {"tree": tree, "error": exc.message}, status=400)
        return redirect("knowledge:walk", uuid=walk.uuid)
    return render(request, "knowledge/tree.html", {"tree": tree})


@require_http_methods(["GET", "POST"])
def walk_step(request, uuid):
    walk = selectors.walk_get(uuid=uuid)
    if walk is None or walk.channel != DiagnosisWalk.Channel.CUSTOMER:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            if "back" in request.POST:
                services.walk_back(walk=walk)
            else:
                services.walk_answer(walk=walk, answer_id=int(request.POST.get("answer") or 0))
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", None) or str(exc)
        else:
            return redirect("knowledge:walk", uuid=walk.uuid)
    context = {"walk": walk, "node": walk.current, "error": error}
    if walk.outcome:
        context["service_link"] = selectors.walk_service_link(walk=walk)
    return render(request, "knowledge/walk.html", context, status=400 if error else 200)


@require_POST
def walk_restart(request, uuid):
    walk = selectors.walk_get(uuid=uuid)
    if walk is None or walk.channel != DiagnosisWalk.Channel.CUSTOMER:
        raise Http404
    return redirect("knowledge:tree", slug=walk.tree.slug)
