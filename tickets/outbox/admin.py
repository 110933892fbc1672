"""Admin of the outbox: message templates (editable, with the code defaults shown), the outbound
messages with their delivery status, webhook endpoints and the webhook delivery log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.admin_mixins import EstimatedCountPaginator, PolicyAdminMixin, ReadOnlyAdminMixin, choices_filter
from tickets.events import kind_choices
from tickets.milestones import Milestone
from tickets.models import MessageTemplate, OutboxMessage, ShortLink, Ticket, WebhookDelivery, WebhookEndpoint
from tickets.sla.admin import OwnOrFallbackPermissions

from .services import outbox_retry
from .templates import registered_defaults
from .webhooks import webhook_redeliver

STATUS_COLOURS = {"pending": "#1664ff", "sending": "#722ed1", "sent": "#00b42a", "retry": "#ff7d00",
                  "failed": "#f53f3f", "unknown": "#a15c00"}


def _status_badge(status: str, label: str) -> str:
    return format_html('<span style="color:#fff;background:{};padding:1px 8px;border-radius:9px">{}</span>',
                       STATUS_COLOURS.get(status, "#86909c"), label)


def _event_choices() -> list[tuple[str, str]]:
    """Every event a message or webhook can carry: the registered kinds and the templates' events."""
    known = dict(kind_choices())
    for event, _channel, _language in registered_defaults():
        known.setdefault(event, event)
    return sorted(known.items())


class ReadOnlyLog(ReadOnlyAdminMixin, OwnOrFallbackPermissions):
    """Delivery logs: written by the outbox only."""


@admin.register(MessageTemplate)
class MessageTemplateAdmin(OwnOrFallbackPermissions, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("event", "channel", "language", "subject", "is_active", "updated_at")
    list_filter = ("channel", "language", "is_active")
    search_fields = ("event", "subject", "body")
    readonly_fields = ("code_default",)
    fields = ("event", "channel", "language", "subject", "body", "is_active", "code_default")

    @admin.display(description=_("代码默认模板"))
    def code_default(self, obj: MessageTemplate) -> str:
        if not obj or not obj.event:
            events = sorted({e for e, _c, _l in registered_defaults()})
            return ", ".join(events)
        default = registered_defaults().get((obj.event, obj.channel, obj.language))
        if default is None:
            return gettext("（无，使用通用模板）")
        return format_html("<b>{}</b><br>{}", default.subject, default.body)


class CappedCountPaginator(EstimatedCountPaginator):
    """A filtered outbox list counts at most ``cap`` + 1 rows: "sent" alone is most of the table, and an
    exact count of it would read hundreds of thousands of index entries on every visit. Past the cap
    the list pages through the first ``cap`` rows; a narrower filter or a search finds the rest."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None or not query.where:
            return super().count
        return self.object_list.order_by()[: self.cap + 1].count()


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyLog, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "event", "milestone", "channel", "to_address", "ticket", "status_badge",
                    "attempts", "sent_at")
    # No date hierarchy and no filter built from a DISTINCT: both read the whole table, and the outbox
    # keeps every message ever sent. Date ranges and code-defined choices use the indexes instead.
    list_filter = ("status", "channel", choices_filter("milestone", _("客户节点"), lambda: Milestone.choices),
                   choices_filter("event", _("事件"), _event_choices), "created_at")
    list_select_related = ("ticket",)
    # Exact matches only, each on its own index: a ticket number, a phone or e-mail address, a key.
    search_fields = ("ticket__number__exact", "to_address__exact", "idempotency_key__exact")
    search_help_text = _("按工单号、手机号/邮箱或幂等键精确查找")
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["retry_failed"]
    readonly_fields = ("idempotency_key", "event", "channel", "ticket", "ticket_event", "customer", "user",
                       "to_address", "language", "subject", "body", "status", "attempts", "next_attempt_at",
                       "claimed_until", "last_error", "provider_id", "sent_at", "created_at")
    fields = readonly_fields

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj: OutboxMessage) -> str:
        return _status_badge(obj.status, obj.get_status_display())

    def get_search_results(self, request, queryset, search_term):
        """The ticket number is looked up on the ticket table first, so the outbox is searched by three
        indexed columns (ticket, address, key) that the database can combine, instead of an OR across
        a join that reads every message."""
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        tickets = list(Ticket.objects.filter(number=term).values_list("pk", flat=True)[:1])
        match = Q(to_address=term) | Q(idempotency_key=term)
        if tickets:
            match |= Q(ticket_id=tickets[0])
        return queryset.filter(match), False

    @admin.action(description=_("重新发送失败或结果未知的消息"))
    def retry_failed(self, request, queryset):
        if not self._perm(request, "view"):
            return
        count = 0
        # "unknown" may already have reached the customer: staff resend it after checking with them.
        for message in queryset.filter(status__in=["failed", "unknown"]):
            outbox_retry(message=message, by=request.user)
            count += 1
        self.message_user(request, gettext("已重新排队 %(n)d 条消息。") % {"n": count}, messages.SUCCESS)


class WebhookDeliveryInline(PolicyAdminMixin, admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("created_at", "event", "ticket", "status", "attempts", "response_status", "delivered_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OwnOrFallbackPermissions, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    fields = ("name", "url", "events", "secret", "is_active")
    inlines = [WebhookDeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyLog, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "endpoint", "event", "ticket", "status_badge", "attempts", "response_status",
                    "delivered_at")
    list_filter = ("status", choices_filter("event", _("事件"), _event_choices), "endpoint", "created_at")
    list_select_related = ("endpoint", "ticket")
    search_fields = ("ticket__number__exact", "=uuid")
    show_full_result_count = False
    actions = ["redeliver"]
    readonly_fields = ("uuid", "idempotency_key", "endpoint", "event", "ticket", "payload", "status", "attempts",
                       "next_attempt_at", "response_status", "response_body", "last_error", "attempt_log",
                       "delivered_at", "created_at")
    fields = readonly_fields

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj: WebhookDelivery) -> str:
        return _status_badge(obj.status, obj.get_status_display())

    @admin.display(description=_("尝试记录"))
    def attempt_log(self, obj: WebhookDelivery) -> str:
        rows = "".join(
            format_html("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td></tr>", e.get("attempt"),
                        e.get("at"), e.get("status") or "-", e.get("error") or "", e.get("ms"))
            for e in obj.log or [])
        return format_html("<table>{}</table>", mark_safe(rows)) if rows else "-"  # noqa: S308 (rows escaped above)

    @admin.action(description=_("重新投递"))
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset.exclude(status="sent"):
            webhook_redeliver(delivery=delivery, by=request.user)
            count += 1
        self.message_user(request, gettext("已重新排队 %(n)d 条投递。") % {"n": count}, messages.SUCCESS)


@admin.register(ShortLink)
class ShortLinkAdmin(ReadOnlyLog, PolicyAdminMixin, admin.ModelAdmin):
    """Short links of SMS messages (written by the outbox only)."""

    list_display = ("code", "created_at")
    search_fields = ("=code",)
    fields = ("code", "created_at")  # the target carries the customer's credential
