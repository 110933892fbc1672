"""Back office of the knowledge base: articles with versions, decision trees edited with inlines, the
self-resolution report, and the agent's guided diagnosis inside a ticket."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError
from tickets.importing.admin import DataAdminMixin
from tickets.models import Ticket

from . import search, selectors, services
from .models import Article, ArticleVersion, DiagnosisAnswer, DiagnosisNode, DiagnosisTree, DiagnosisWalk
from .resources import ArticleExporter, ArticleImporter


class ArticleForm(forms.ModelForm):
    change_note = forms.CharField(label=gettext_lazy("修改说明"), required=False, max_length=200)

    class Meta:
        model = Article
        fields = ["title", "slug", "audience", "summary", "body", "video_url", "product_categories",
                  "product_models", "fault_categories", "tags"]


class ArticleVersionInline(PolicyAdminMixin, admin.TabularInline):
    model = ArticleVersion
    extra = 0
    can_delete = False
    fields = ["number", "status", "title", "note", "edited_by", "created_at"]
    readonly_fields = fields
    ordering = ["-number"]
    verbose_name_plural = gettext_lazy("版本历史")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("edited_by")


@admin.register(Article)
class ArticleAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = ArticleImporter
    exporter_class = ArticleExporter
    form = ArticleForm
    list_display = ["title", "audience", "status", "version", "view_count", "author", "updated_at"]
    list_filter = ["status", "audience"]
    list_select_related = ["author"]
    search_fields = ["title", "slug"]
    readonly_fields = ["status", "version", "published_at", "view_count", "author"]
    filter_horizontal = ["product_models", "fault_categories"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ArticleVersionInline]
    actions = ["publish_selected", "archive_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "audience", "status", "summary", "body", "video_url", "change_note"]}),
        (gettext_lazy("适用范围"), {"fields": ["product_categories", "product_models", "fault_categories", "tags"]}),
        (gettext_lazy("记录"), {"fields": ["version", "published_at", "view_count", "author"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """Chinese search: jieba-segmented ranking (any status) in addition to title/slug matches."""
        base, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return base, may_have_duplicates
        terms = search.query_terms(search_term)
        if not terms:
            return base, may_have_duplicates
        hits = queryset.none()
        for term in terms[:8]:
            hits = hits | queryset.filter(segmented_text__contains=f" {term} ")
        return base | hits, True

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj, by=request.user, note=form.cleaned_data.get("change_note", ""))

    def _run(self, request, queryset, func, done):
        count = 0
        for article in queryset:
            try:
                func(article=article, by=request.user)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{article}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("发布所选文章"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._run(request, queryset, services.article_publish, _("已发布 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("归档所选文章"), permissions=["publish"])
    def archive_selected(self, request, queryset):
        self._run(request, queryset, services.article_archive, _("已归档 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("撤回为草稿"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._run(request, queryset, services.article_unpublish, _("已撤回 %(count)s 篇文章。"))

    def has_publish_permission(self, request):
        return request.user.has_perm("knowledge.publish_article")


@admin.register(ArticleVersion)
class ArticleVersionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["article", "number", "status", "note", "edited_by", "created_at"]
    list_select_related = ["article", "edited_by"]
    list_filter = ["status"]
    search_fields = ["article__title", "title"]
    readonly_fields = ["article", "number", "title", "summary", "body", "video_url", "status", "note", "edited_by",
                       "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# Decision trees
# ---------------------------------------------------------------------------------------------

class DiagnosisNodeInline(PolicyAdminMixin, admin.TabularInline):
    model = DiagnosisNode
    extra = 1
    fields = ["key", "kind", "text", "help_text", "article", "suggested_category", "suggested_service_mode",
              "suggested_parts", "order", "edit_answers"]
    readonly_fields = ["edit_answers"]
    autocomplete_fields = ["article"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "suggested_category")

    @admin.display(description=gettext_lazy("回答"))
    def edit_answers(self, obj):
        if not obj.pk or obj.is_outcome:
            return "—"
        url = reverse("admin:knowledge_diagnosisnode_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("编辑回答"))


class DiagnosisTreeForm(forms.ModelForm):
    class Meta:
        model = DiagnosisTree
        fields = ["name", "slug", "product_category", "fault_category", "intro", "keywords", "root", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].queryset = (DiagnosisNode.objects.filter(tree=self.instance)
                                        if self.instance.pk else DiagnosisNode.objects.none())


@admin.register(DiagnosisTree)
class DiagnosisTreeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = DiagnosisTreeForm
    list_display = ["name", "product_category", "fault_category", "is_active", "walk_count", "finished_count",
                    "service_count", "self_resolution", "walk_link"]
    list_filter = ["product_category", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["problems"]
    inlines = [DiagnosisNodeInline]

    def get_queryset(self, request):
        return selectors.tree_stats_qs()

    @admin.display(description=gettext_lazy("诊断次数"), ordering="walk_count")
    def walk_count(self, obj):
        return obj.walk_count

    @admin.display(description=gettext_lazy("完成次数"), ordering="finished_count")
    def finished_count(self, obj):
        return obj.finished_count

    @admin.display(description=gettext_lazy("转报修"), ordering="service_count")
    def service_count(self, obj):
        return obj.service_count

    @admin.display(description=gettext_lazy("自助解决率"))
    def self_resolution(self, obj):
        rate = selectors.self_resolution_rate(solved=obj.solved_count, finished=obj.finished_count)
        return "—" if rate is None else f"{rate}%"

    @admin.display(description=gettext_lazy("引导诊断"))
    def walk_link(self, obj):
        url = reverse("admin:knowledge_diagnosistree_walk", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("开始"))

    @admin.display(description=gettext_lazy("流程检查"))
    def problems(self, obj):
        if not obj.pk:
            return "—"
        found = selectors.tree_problems(tree=obj)
        return "；".join(found) if found else _("流程完整")

    def get_urls(self):
        return [
            path("walk/", self.admin_site.admin_view(self.walk_pick_view), name="knowledge_diagnosistree_walk_pick"),
            path("<int:tree_id>/walk/", self.admin_site.admin_view(self.walk_view),
                 name="knowledge_diagnosistree_walk"),
            *super().get_urls(),
        ]

    def _ticket(self, request) -> Ticket | None:
        raw = request.GET.get("ticket") or request.POST.get("ticket")
        if not raw:
            return None
        try:
            return Ticket.objects.select_related("product_model", "fault_category", "customer").get(pk=int(raw))
        except (ValueError, Ticket.DoesNotExist):
            raise Http404

    def _check_walk_permission(self, request) -> None:
        if not (request.user.has_perm("knowledge.view_diagnosistree")
                and request.user.has_perm("knowledge.add_diagnosiswalk")):
            raise PermissionDenied

    def walk_pick_view(self, request):
        """Trees for a ticket's product line (``?ticket=<id>``) plus the ticket's suggestions."""
        self._check_walk_permission(request)
        ticket = self._ticket(request)
        category = ticket.product_model.category if ticket and ticket.product_model_id else None
        context = {
            **self.admin_site.each_context(request), "title": _("引导诊断"), "ticket": ticket,
            "trees": list(selectors.tree_list(product_category=category)),
            "suggestions": selectors.ticket_suggestions(ticket=ticket) if ticket else None,
            "opts": self.model._meta,
        }
        return render(request, "knowledge/admin/walk_pick.html", context)

    def walk_view(self, request, tree_id: int):
        """The agent walks a tree with the customer on the phone; with ``?ticket=`` the outcome is
        written to the ticket's timeline."""
        self._check_walk_permission(request)
        tree = get_object_or_404(selectors.tree_list(), pk=tree_id)
        ticket = self._ticket(request)
        walk = selectors.walk_get(uuid=request.GET.get("walk")) if request.GET.get("walk") else None
        if walk is not None and walk.tree_id != tree.pk:
            raise Http404
        base = reverse("admin:knowledge_diagnosistree_walk", args=[tree.pk])
        query = f"?ticket={ticket.pk}" if ticket else "?"
        if request.method == "POST":
            try:
                if "start" in request.POST:
                    walk = services.walk_start(tree=tree, channel=DiagnosisWalk.Channel.AGENT, ticket=ticket,
                                               by=request.user)
                elif walk is not None and "back" in request.POST:
                    services.walk_back(walk=walk)
                elif walk is not None:
                    services.walk_answer(walk=walk, answer_id=int(request.POST.get("answer") or 0), by=request.user)
            except (DomainError, ValueError) as exc:
                self.message_user(request, getattr(exc, "message", str(exc)), messages.ERROR)
            if walk is not None:
                return HttpResponseRedirect(f"{base}{query}&walk={walk.uuid}")
            return HttpResponseRedirect(f"{base}{query}")
        context = {
            **self.admin_site.each_context(request), "title": tree.name, "tree": tree, "ticket": ticket,
            "walk": walk, "node": walk.current if walk else None, "opts": self.model._meta,
            "service_link": selectors.walk_service_link(walk=walk) if walk and walk.outcome else "",
            "ticket_url": reverse("admin:tickets_ticket_change", args=[ticket.pk]) if ticket else "",
        }
        return render(request, "knowledge/admin/walk.html", context)


class DiagnosisAnswerInline(PolicyAdminMixin, admin.TabularInline):
    model = DiagnosisAnswer
    fk_name = "node"
    extra = 2
    fields = ["label", "next_node", "order"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "next_node":
            node_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            tree_id = DiagnosisNode.objects.filter(pk=node_id).values_list("tree_id", flat=True).first()
            kwargs["queryset"] = DiagnosisNode.objects.filter(tree_id=tree_id).exclude(pk=node_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DiagnosisNode)
class DiagnosisNodeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["text", "tree", "key", "kind", "order"]
    list_select_related = ["tree"]
    list_filter = ["kind", "tree"]
    search_fields = ["text", "key"]
    inlines = [DiagnosisAnswerInline]
    autocomplete_fields = ["article"]
    fields = ["tree", "key", "kind", "text", "help_text", "article", "suggested_category", "suggested_service_mode",
              "suggested_parts", "order"]

    def get_readonly_fields(self, request, obj=None):
        return ["tree"] if obj else []


@admin.register(DiagnosisWalk)
class DiagnosisWalkAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "tree", "channel", "outcome", "ticket", "user", "steps"]
    list_filter = ["outcome", "channel", "tree", "created_at"]
    list_select_related = ["tree", "ticket", "user"]
    readonly_fields = ["uuid", "tree", "channel", "ticket", "user", "current", "path", "outcome", "finished_at",
                       "created_at"]

    @admin.display(description=gettext_lazy("步数"))
    def steps(self, obj):
        return len(obj.path or [])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DiagnosisAnswer)
class DiagnosisAnswerAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Answers are edited inline on their question; this list helps find where a node is reached from."""

    list_display = ["label", "node", "next_node", "order"]
    list_select_related = ["node", "node__tree", "next_node", "next_node__tree"]
    list_filter = ["node__tree"]
    search_fields = ["label", "node__text", "next_node__text"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("node", "next_node"):
            kwargs["queryset"] = DiagnosisNode.objects.select_related("tree")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
