"""Admin of the hub: the staff's main tool. A client of services and selectors.

The ticket page shows the timeline and offers exactly the transitions allowed now, as buttons that
call ``tickets.services``; the admin never writes a state itself. Feature packages register their
own admins in their admin modules, imported at the bottom.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.admin_mixins import (
    CappedCountPaginator,
    EstimatedCountPaginator,
    PolicyAdminMixin,
    ReadOnlyAdminMixin,
    ServiceSaveAdminMixin,
    choices_filter,
)

from . import policy, services
from .address_forms import PlaceModelForm
from .events import event_label, kind_choices, state_label
from .exceptions import DomainError, ValidationFailed
from .files import attachment_staff_url
from .importing.admin import DataAdminMixin
from .masking import mask_phone
from .models import (
    Attachment,
    Customer,
    DataJob,
    Device,
    FaultCategory,
    IdempotencyRecord,
    OneTimeCode,
    ProductModel,
    Ticket,
    TicketAssignment,
    TicketEvent,
    TicketSequence,
    TriageResult,
)
from .resources import (
    CustomerExporter,
    CustomerImporter,
    DeviceExporter,
    DeviceImporter,
    FaultCategoryExporter,
    FaultCategoryImporter,
    ProductModelExporter,
    ProductModelImporter,
    TicketExporter,
)
from .selectors import SEARCH_MATCH_CAP, ticket_search, ticket_search_is_partial


def _run_service(request, func, **kwargs) -> bool:
    try:
        func(**kwargs)
    except (DomainError, ValidationError) as exc:
        text = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
        messages.error(request, text)
        return False
    return True


class CustomerAdminForm(PlaceModelForm):
    class Meta:
        model = Customer
        fields = "__all__"


class TicketAdminForm(PlaceModelForm):
    class Meta:
        model = Ticket
        fields = "__all__"


@admin.register(Customer)
class CustomerAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = CustomerImporter
    exporter_class = CustomerExporter
    form = CustomerAdminForm
    readonly_fields = ("province_code", "city_code", "district_code")
    list_display = ("name", "masked_phone_col", "tier", "city", "district", "created_at")
    list_filter = ("tier",)
    search_fields = ("name", "=phone", "email")
    show_full_result_count = False

    @admin.display(description=_("电话"), ordering="phone")
    def masked_phone_col(self, obj: Customer) -> str:
        return obj.masked_phone

    def save_model(self, request, obj, form, change):
        if not change:
            customer = services.customer_upsert(
                name=obj.name, phone=obj.phone,
                **{f: getattr(obj, f) for f in ("email", "tier", "province", "city", "district", "address",
                                                "province_code", "city_code", "district_code", "latitude",
                                                "longitude") if getattr(obj, f) not in (None, "")},
            )
            obj.pk = customer.pk
            return
        super().save_model(request, obj, form, change)


@admin.register(ProductModel)
class ProductModelAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = ProductModelImporter
    exporter_class = ProductModelExporter
    list_display = ("brand", "name", "code", "category", "list_price", "is_active")
    list_filter = ("category", "brand", "is_active")
    search_fields = ("brand", "name", "code")


@admin.register(Device)
class DeviceAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = DeviceImporter
    exporter_class = DeviceExporter
    list_display = ("serial_number", "product_model", "owner", "purchase_date", "sales_channel")
    list_filter = ("sales_channel", "product_model__category", "product_model__brand")
    search_fields = ("=serial_number", "invoice_number", "owner__name", "=owner__phone")
    list_select_related = ("product_model", "owner")
    autocomplete_fields = ("product_model", "owner")
    show_full_result_count = False


@admin.register(FaultCategory)
class FaultCategoryAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = FaultCategoryImporter
    exporter_class = FaultCategoryExporter
    list_display = ("code", "name", "parent", "department", "default_priority", "default_service_mode",
                    "required_skill", "is_active")
    list_filter = ("department", "default_priority", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)


class EventLabelsMixin:
    """Timeline rows read as words: the event's label and its states' labels, never codes."""

    @admin.display(description=_("事件"))
    def label(self, obj: TicketEvent) -> str:
        return event_label(obj.kind)

    @admin.display(description=_("原状态"))
    def from_label(self, obj: TicketEvent) -> str:
        return state_label(obj.kind, obj.from_state)

    @admin.display(description=_("新状态"))
    def to_label(self, obj: TicketEvent) -> str:
        return state_label(obj.kind, obj.to_state)


class TicketEventInline(EventLabelsMixin, PolicyAdminMixin, admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "label", "from_label", "to_label", "message", "customer_visible", "actor")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = _("时间线")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AttachmentInline(PolicyAdminMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ("preview", "kind", "purpose", "original_name", "size", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("预览"))
    def preview(self, obj: Attachment) -> str:
        if not obj.file:
            return "-"
        url = attachment_staff_url(obj)
        if obj.kind in (Attachment.Kind.IMAGE, Attachment.Kind.SIGNATURE):
            return format_html('<a href="{0}" target="_blank"><img src="{0}" style="max-height:80px"></a>', url)
        return format_html('<a href="{}">{}</a>', url, gettext("下载"))


class AssignmentInline(PolicyAdminMixin, admin.TabularInline):
    """Who was dispatched and why (the score breakdown kept on each assignment)."""

    model = TicketAssignment
    fk_name = "ticket"
    extra = 0
    can_delete = False
    fields = ("created_at", "technician", "role", "status", "score", "why", "auto", "reason")
    readonly_fields = fields
    verbose_name_plural = _("派工记录")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("评分明细"))
    def why(self, obj: TicketAssignment) -> str:
        parts = obj.breakdown or {}
        if not isinstance(parts, dict):
            return str(parts)
        return "；".join(f"{k}: {v}" for k, v in parts.items() if not isinstance(v, (dict, list)))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician")


class FaultCategoryFilter(admin.RelatedFieldListFilter):
    """Category choices in one query of three columns (their labels include the parent's name, as
    ``FaultCategory.__str__`` writes them): the filter is built on every page of the ticket list, and a
    taxonomy of a few hundred leaves read as model instances costs more than the page's own rows."""

    def field_choices(self, field, request, model_admin):
        rows = FaultCategory.objects.order_by("code").values_list("pk", "name", "parent__name")
        return [(pk, f"{parent} / {name}" if parent else name) for pk, name, parent in rows]


class ServiceCenterFilter(admin.RelatedFieldListFilter):
    """Centre choices (in code order, labelled by name) in one query of two columns, for the same reason."""

    def field_choices(self, field, request, model_admin):
        from repairs.models import ServiceCenter

        return list(ServiceCenter.objects.order_by("code").values_list("pk", "name"))


class SlaLeftFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return (("breached", _("已超时")), ("soon", _("4 小时内到期")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(status__in=Ticket.OPEN_STATES, due_resolution_at__lt=now)
        if self.value() == "soon":
            return queryset.filter(status__in=Ticket.OPEN_STATES, due_resolution_at__gte=now,
                                   due_resolution_at__lt=now + timezone.timedelta(hours=4))
        return queryset


class TicketChangeList(ChangeList):
    def apply_select_related(self, qs):
        return super().apply_select_related(qs).prefetch_related(*self.model_admin.list_prefetch_related)


@admin.register(Ticket)
class TicketAdmin(ServiceSaveAdminMixin, DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    exporter_class = TicketExporter
    change_form_template = "admin/tickets/ticket/change_form.html"
    form = TicketAdminForm
    # What a person scans first comes first (number, state, time left, what it is about). At 1366 px with the
    # navigation open every column keeps a fixed share of the width and cuts its text with an ellipsis
    # (backoffice.css), so nothing wraps or leaves the screen; the product model and a possible duplicate
    # ride in the title cell, the channel is a filter, not a column.
    list_display = ("number", "status_badge", "sla_left", "title_short", "customer", "fault_category", "priority",
                    "service_center", "technician", "created_short")
    # A created_at filter instead of date_hierarchy: the hierarchy runs a DISTINCT over the whole
    # table on every page, which does not scale to 100k+ tickets.
    list_filter = ("status", SlaLeftFilter, "created_at", "priority", "channel", "department", "service_mode",
                   ("service_center", ServiceCenterFilter), ("fault_category", FaultCategoryFilter),
                   ("duplicate_of", admin.EmptyFieldListFilter))
    # Matched by ``ticket_search`` (see get_search_results), not by the admin's own OR of lookups.
    search_fields = ("number",)
    search_help_text = _("按工单号、手机号、序列号/IMEI 或客户姓名搜索（可只输入开头）；以 ~ 开头搜索标题和故障描述中的文字。")
    # The customer is joined; the product model, category, centre and technician, small tables that the
    # page's fifty rows share, are read by id in one query each. Joined as well, PostgreSQL spent longer
    # choosing the order of seven joins (8 ms) than running the page (1 ms at a million tickets).
    list_select_related = ("customer",)
    list_prefetch_related = ("product_model", "fault_category__parent", "service_center", "technician")
    # A search may match most tickets (a word of the descriptions): its count stops at the cap.
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    inlines = [TicketEventInline, AssignmentInline, AttachmentInline]

    def get_changelist(self, request, **kwargs):
        return TicketChangeList

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        try:
            found = ticket_search(qs=queryset, term=search_term)
            if ticket_search_is_partial(search_term):
                messages.warning(request, gettext(
                    "匹配的工单号、客户或设备超过 %(n)d 个，只列出其中 %(n)d 个的工单。请输入更完整的工单号、"
                    "手机号、序列号或姓名。") % {"n": SEARCH_MATCH_CAP})
            return found, False
        except ValidationFailed as exc:
            # A search that can narrow nothing (one character of text) lists nothing and says why.
            messages.error(request, exc.message)
            return queryset.none(), False
    autocomplete_fields = ("customer", "device", "product_model")
    readonly_fields = ("number", "status", "tracking_link", "sla_link", "created_at", "updated_at", "first_response_at",
                       "assigned_at", "resolved_at", "closed_at", "cancelled_at", "due_response_at",
                       "due_resolution_at", "predicted_category", "prediction_confidence", "triage_explanation",
                       "warranty_card",
                       "price_min", "price_max", "technician", "service_center", "duplicate_of", "reopen_count",
                       "rework_count", "created_by", "province_code", "city_code", "district_code")
    fieldsets = (
        (None, {"fields": ("number", "status", "tracking_link", "channel", "customer", "device", "product_model",
                           "title", "description")}),
        (_("分类与路由"), {"fields": ("fault_category", "predicted_category", "prediction_confidence",
                                  "triage_explanation", "priority", "department", "service_mode", "service_center",
                                  "technician")}),
        (_("服务地址"), {"fields": ("pick_province", "pick_city", "pick_district", "province", "city", "district",
                                  "address", "latitude", "longitude", "province_code", "city_code",
                                  "district_code")}),
        (_("三包与价格"), {"fields": ("warranty_card", "price_min", "price_max")}),
        (_("时间与 SLA"), {"fields": ("sla_link", "created_at", "first_response_at", "assigned_at", "due_response_at",
                                    "due_resolution_at", "resolved_at", "closed_at", "cancelled_at")}),
        (_("其他"), {"fields": ("resolution", "duplicate_of", "reopen_count", "rework_count", "created_by",
                              "updated_at"), "classes": ("collapse",)}),
    )

    STATUS_COLOURS = {
        "new": "#1664ff", "triaged": "#722ed1", "assigned": "#0fc6c2", "in_progress": "#ff7d00",
        "waiting_customer": "#f7ba1e", "waiting_parts": "#f7ba1e", "quality_check": "#3491fa",
        "ready": "#00b42a", "resolved": "#00b42a", "closed": "#86909c", "reopened": "#f53f3f",
        "cancelled": "#86909c",
    }

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj: Ticket) -> str:
        return format_html('<span style="color:#fff;background:{};padding:1px 8px;border-radius:9px;'
                           'white-space:nowrap">{}</span>',
                           self.STATUS_COLOURS.get(obj.status, "#86909c"), obj.get_status_display())

    @admin.display(description=_("疑似重复"))
    def possible_duplicate(self, obj: Ticket) -> str:
        # Another reporter's ticket on the same device and fault: staff decide whether to merge.
        if not obj.duplicate_of_id:
            return ""
        return format_html('<span class="badge warn" title="{}">⚠ {}</span>', gettext("疑似重复报修，请核实"),
                           gettext("疑似重复"))

    @admin.display(description=_("标题 / 机型"), ordering="title")
    def title_short(self, obj: Ticket) -> str:
        """The title, then the product model; the cell cuts long text, the tooltip keeps all of it."""
        title = obj.title or (obj.description or "")[:60] or "-"
        model = str(obj.product_model) if obj.product_model_id else ""
        full = f"{title} · {model}" if model else title
        return format_html('{}<span title="{}">{}</span>{}', self.possible_duplicate(obj), full, title,
                           format_html(' <span class="bo-muted">· {}</span>', model) if model else "")

    @admin.display(description=_("创建时间"), ordering="created_at")
    def created_short(self, obj: Ticket) -> str:
        return timezone.localtime(obj.created_at).strftime("%m-%d %H:%M")

    @admin.display(description=_("SLA 剩余"), ordering="due_resolution_at")
    def sla_left(self, obj: Ticket) -> str:
        if obj.status not in Ticket.OPEN_STATES or obj.due_resolution_at is None:
            return "-"
        if obj.status in Ticket.PAUSED_STATES:
            return format_html('<span style="color:#86909c">{}</span>', gettext("已暂停"))
        left = obj.due_resolution_at - timezone.now()
        hours = left.total_seconds() / 3600
        colour = "#f53f3f" if hours < 0 else "#ff7d00" if hours < 4 else "#00b42a"
        text = gettext("超时 %(h).1f 小时") % {"h": -hours} if hours < 0 else gettext("%(h).1f 小时") % {"h": hours}
        return format_html('<b style="color:{}">{}</b>', colour, text)

    @admin.display(description=_("三包预判"))
    def warranty_card(self, obj: Ticket) -> str:
        # the verdict as a card with its clauses, never the stored JSON
        from django.template.loader import render_to_string

        from repairs.warranty.card import decision_card

        return render_to_string("admin/includes/warranty_card.html", {"card": decision_card(obj.warranty_preview)})

    @admin.display(description=_("分类依据"))
    def triage_explanation(self, obj: Ticket) -> str:
        """The classifier's three best leaves with their probabilities and the words that decided."""
        result = TriageResult.objects.filter(ticket_id=obj.pk).first() if obj.pk else None
        if result is None:
            return "-"
        candidates = format_html_join("；", "{} {}%", ((c["name"], round(c["p"] * 100))
                                                       for c in result.candidates[:3]))
        words = "、".join(item["feature"] for item in result.explanation[:6]) or "-"
        return format_html("{}<br>{}：{}", candidates, _("依据"), words)

    @admin.display(description=_("客户进度页"))
    def tracking_link(self, obj: Ticket) -> str:
        if not obj.pk:
            return "-"
        return format_html('<a href="{0}" target="_blank">{0}</a>', obj.get_tracking_url())

    @admin.display(description=_("SLA 与诊断"))
    def sla_link(self, obj: Ticket) -> str:
        from django.urls import reverse

        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?ticket={}">{}</a>',
            reverse("admin:tickets_slaclock_by_ticket", args=[obj.pk]), gettext("SLA 计时、暂停与超时记录"),
            reverse("admin:knowledge_diagnosistree_walk_pick"), obj.pk, gettext("引导诊断与知识推荐"))

    def changelist_view(self, request, extra_context=None):
        from tickets.sla.admin import warn_missing_calendar

        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("number", "status", "tracking_link")
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("channel", "customer", "device", "product_model", "description",
                                       "fault_category", "priority", "service_mode", "pick_province",
                                       "pick_city", "pick_district", "city", "district", "address")}),)
        return self.fieldsets

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def add_view(self, request, form_url="", extra_context=None):
        # A ticket typed by staff is an intake like any other (matching, dedupe, classification).
        from django.urls import reverse

        return HttpResponseRedirect(reverse("admin:tickets_phoneintake_add"))

    def save_model(self, request, obj, form, change):
        # Only descriptive fields are edited here, through the service (event + SLA); the state
        # moves through the buttons.
        edited = {name: form.cleaned_data[name] for name in form.changed_data
                  if name in services.TICKET_EDITABLE_FIELDS}
        self.save_via_service(request, services.ticket_update, ticket=obj, by=request.user, **edited)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["available_transitions"] = [
                (name, services.transition_label(name))
                for name in services.ticket_available_transitions(ticket=obj, by=request.user)
                if name != "assign"
            ]
            # the dispatch screen (candidates, distance, load, reasons) for whoever may assign this ticket
            if policy.can(request.user, policy.DISPATCH, obj):
                from urllib.parse import urlencode

                from django.urls import reverse

                context["dispatch_url"] = reverse("admin:tickets_dispatchqueueticket_pick", args=[obj.pk]) + \
                    "?" + urlencode({"next": request.get_full_path()})
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_urls(self):
        from django.urls import path

        custom = [
            path("<int:object_id>/act/", self.admin_site.admin_view(self.action_view),
                 name="tickets_ticket_act"),
        ]
        return custom + super().get_urls()

    def action_view(self, request, object_id: int):
        """POST target of the transition buttons and the note form (outside the change form)."""
        from django.core.exceptions import PermissionDenied
        from django.urls import reverse

        ticket = self.get_queryset(request).filter(pk=object_id).first()
        if ticket is None or request.method != "POST":
            raise PermissionDenied
        if not self.has_view_or_change_permission(request, ticket):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
        name = request.POST.get("_transition")
        if name:
            self._handle_transition(request, ticket, name)
            return back
        note = (request.POST.get("_note") or "").strip()
        if _run_service(request, services.ticket_note_add, ticket=ticket, by=request.user, message=note,
                        customer_visible=bool(request.POST.get("_note_visible"))):
            messages.success(request, gettext("备注已添加。"))
        return back

    def _handle_transition(self, request, ticket: Ticket, name: str) -> None:
        if name not in services.TRANSITIONS:
            messages.error(request, gettext("未知操作。"))
            return
        reason = (request.POST.get("_reason") or "").strip()
        # only the field labelled customer-visible reaches the customer; the reason stays internal
        to_customer = (request.POST.get("_customer_message") or "").strip()[:200]
        if name == "cancel":
            ok = _run_service(request, services.ticket_cancel, ticket=ticket, by=request.user, reason=reason,
                              customer_message=to_customer)
        elif name == "reopen":
            ok = _run_service(request, services.ticket_reopen, ticket=ticket, by=request.user, reason=reason)
        elif name == "triage":
            ok = _run_service(request, services.ticket_triage, ticket=ticket, by=request.user, message=reason)
        else:
            ok = _run_service(request, services.ticket_transition, ticket=ticket, transition=name,
                              by=request.user, message=reason,
                              payload={"customer_message": to_customer} if to_customer else None)
        if ok:
            messages.success(request, gettext("已执行：%(action)s") % {"action": services.transition_label(name)})

    def has_delete_permission(self, request, obj=None):
        return False


class EventKindFilter(admin.SimpleListFilter):
    title = _("事件类型")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(TicketEvent)
class TicketEventAdmin(EventLabelsMixin, ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "ticket", "label", "from_label", "to_label", "customer_visible", "actor")
    list_filter = (EventKindFilter, "customer_visible")
    search_fields = ("=ticket__number", "message")
    list_select_related = ("ticket", "actor")
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(Attachment)
class AttachmentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "kind", "purpose", "original_name", "size", "created_at")
    list_filter = ("kind", "purpose")
    search_fields = ("=ticket__number", "original_name")
    list_select_related = ("ticket",)
    readonly_fields = ("ticket", "kind", "purpose", "file", "original_name", "content_type", "size", "width",
                       "height", "sha256", "uploaded_by")

    def has_add_permission(self, request):
        return False


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """Codes sent to customers, for support ("I never got the SMS"); the code itself is never kept."""

    list_display = ("ticket", "purpose", "masked_phone", "created_at", "expires_at", "attempts", "verified_at",
                    "used_at")
    list_filter = ("purpose",)
    list_select_related = ("ticket",)
    fields = ("ticket", "purpose", "masked_phone", "created_at", "expires_at", "attempts", "verified_at", "used_at")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: OneTimeCode) -> str:
        return mask_phone(obj.phone)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Stored first responses of API POSTs (read-only; replayed to retries with the same key)."""

    list_display = ("created_at", "user", "method", "path", "status_code")
    list_filter = (choices_filter("method", _("方法"), lambda: [(m, m) for m in ("POST", "PUT", "PATCH", "DELETE")]),)
    search_fields = ("=key", "path", "user__username")
    list_select_related = ("user",)
    exclude = ("response_body",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TicketSequence)
class TicketSequenceAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """Read-only view of the per-day ticket number counters."""

    list_display = ("day", "value")
    ordering = ("-day",)


import tickets.analytics.admin  # noqa: E402, F401
import tickets.intake.admin  # noqa: E402, F401
import tickets.outbox.admin  # noqa: E402, F401
import tickets.progress.admin  # noqa: E402, F401
import tickets.sla.admin  # noqa: E402, F401


@admin.register(DataJob)
class DataJobAdmin(PolicyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each user's own imports and exports (a superuser sees everyone's): status, progress and a link
    to the job's page with its report and files."""

    list_display = ("created_at", "kind", "target_label", "status", "original_name", "total", "processed",
                    "job_link")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    fields = ("kind", "target", "status", "mode", "original_name", "total", "processed", "created_by",
              "created_at", "started_at", "finished_at")

    # The policy narrows the list to the jobs the user started; seeing one's own jobs needs no model
    # permission, since every import and export a user may run leaves one.
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and (
            obj is None or policy.in_scope(request.user, obj))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("数据"))
    def target_label(self, obj: DataJob) -> str:
        from .exporting import exporter_for
        from .importing.base import importer_for

        try:
            return (importer_for if obj.kind == DataJob.Kind.IMPORT else exporter_for)(obj.target).title()
        except KeyError:
            return obj.target

    @admin.display(description=_("详情"))
    def job_link(self, obj: DataJob) -> str:
        from django.urls import NoReverseMatch, reverse

        app_label, _sep, model = obj.target.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model}_job", args=[obj.uuid])
        except NoReverseMatch:
            return "-"
        return format_html('<a href="{}">{}</a>', url, gettext("查看"))
