"""Admin of the intake feature (imported by tickets/admin.py).

- 电话/门店报修 (``PhoneIntake`` proxy): the agent's entry page for phone and store reports, with a
  phone-as-you-type customer lookup (JSON endpoint + a few lines of local JS), device pick or
  registration, and the customer's past tickets. It calls ``intake_submit``.
- 待分类工单 (``TriageQueueTicket`` proxy): tickets whose classification was not confident; the
  agent's choice goes through ``triage_correct`` (recorded, and used by the next retrain).
- Channel API keys, intake records, triage corrections and trained models.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError
from tickets.models import (
    Channel,
    ClassifierModel,
    Device,
    IntakeChannelKey,
    IntakeRecord,
    PhoneIntake,
    Ticket,
    TriageCorrection,
    TriageQueueTicket,
    TriageResult,
)

from .forms import StaffIntakeForm, uploaded_to_intake_files
from .selectors import customer_lookup, leaf_categories
from .services import classifier_train, intake_submit, triage_correct

STAFF_CHANNELS = [Channel.PHONE, Channel.STORE, Channel.WECHAT]


@admin.register(PhoneIntake)
class PhoneIntakeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "customer", "channel", "status", "fault_category", "created_at")
    list_select_related = ("customer", "fault_category", "fault_category__parent")
    list_filter = ("channel", "status")
    search_fields = ("number", "=customer__phone")
    show_full_result_count = False
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(channel__in=STAFF_CHANNELS)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("tickets.add_ticket")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("tickets.view_ticket")

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("tickets.add_ticket")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        urls = super().get_urls()
        return [path("lookup/", self.admin_site.admin_view(self.lookup_view), name="tickets_phoneintake_lookup"),
                *urls]

    def lookup_view(self, request: HttpRequest) -> JsonResponse:
        """Customers matching the typed phone number, with their devices and past tickets."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return JsonResponse(customer_lookup(phone=request.GET.get("phone", "")))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[object_id]))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = StaffIntakeForm(request.POST, request.FILES)
            if form.is_valid():
                response = self._submit(request, form)
                if response is not None:
                    return response
        else:
            form = StaffIntakeForm(initial={"channel": Channel.PHONE})
        context = {
            **self.admin_site.each_context(request),
            "title": _("电话/门店报修"),
            "opts": self.model._meta,
            "form": form,
            "lookup_url": reverse("admin:tickets_phoneintake_lookup"),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "tickets/intake/admin_intake.html", context,
                                status=400 if form.errors else 200)

    def _submit(self, request: HttpRequest, form: StaffIntakeForm) -> HttpResponse | None:
        data = form.cleaned_data
        product_model, serial = data["product_model"], data["serial"]
        if data.get("device"):
            device = Device.objects.select_related("product_model").filter(pk=data["device"]).first()
            if device is not None:
                product_model, serial = device.product_model, device.serial_number
        try:
            result = intake_submit(
                channel=data["channel"], name=data["name"], phone=data["phone"], email=data["email"],
                description=data["description"], product_model=product_model, serial=serial,
                purchase_date=data["purchase_date"], fault_category=data["fault_category"],
                service_mode=data["service_mode"], city=data["city"], district=data["district"],
                address=data["address"], division_code=form.picked_code(),
                files=uploaded_to_intake_files(data["files"]), by=request.user,
            )
        except DomainError as exc:
            form.add_domain_errors(exc.extra.get("fields") or {"__all__": [str(exc.message)]})
            return None
        level = messages.WARNING if result.is_duplicate else messages.SUCCESS
        messages.add_message(request, level, result.message)
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[result.ticket.pk]))


@admin.register(TriageQueueTicket)
class TriageQueueAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """New tickets waiting for an agent's classification, oldest first."""

    list_display = ("number", "short_description", "top_candidates", "because", "product_model", "customer",
                    "channel", "created_at")
    list_select_related = ("customer", "product_model", "predicted_category", "predicted_category__parent",
                           "triage_result")
    search_fields = ("number", "=customer__phone", "description")
    list_filter = ("channel",)
    ordering = ("created_at",)
    actions = ["accept_prediction"]
    change_list_template = "tickets/intake/admin_triage_changelist.html"
    show_full_result_count = False

    def get_queryset(self, request):
        return (super().get_queryset(request)
                .filter(status=Ticket.Status.NEW)
                .filter(Q(triage_result__needs_review=True) | Q(triage_result__isnull=True)))

    def _can_triage(self, request) -> bool:
        return request.user.has_perm("tickets.triage_ticket")

    def has_module_permission(self, request) -> bool:
        return self._can_triage(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._can_triage(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._can_triage(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("故障描述"))
    def short_description(self, obj: Ticket) -> str:
        text = obj.description or ""
        return text if len(text) <= 40 else text[:40] + "…"

    @admin.display(description=_("前三个候选（点击即分类）"), ordering="prediction_confidence")
    def top_candidates(self, obj: Ticket) -> str:
        """The three most probable leaves as buttons: one click classifies the ticket. The buttons
        submit the changelist's own form (which carries the CSRF token) to the classify view."""
        result = getattr(obj, "triage_result", None)
        candidates = (result.candidates if result else [])[:3]
        if not candidates:
            return "-"
        url = reverse("admin:tickets_triage_classify", args=[obj.pk])
        return format_html_join(
            " ", '<button type="submit" class="button" formaction="{}" name="fault_category_code" value="{}" '
                 'title="{}">{} {}%</button>',
            ((url, c["code"], c["code"], c["name"], round(c["p"] * 100)) for c in candidates))

    @admin.display(description=_("分类依据"))
    def because(self, obj: Ticket) -> str:
        result = getattr(obj, "triage_result", None)
        words = [item["feature"] for item in (result.explanation if result else [])[:4]]
        return "、".join(words) or "-"

    @admin.display(description=_("预测分类"), ordering="predicted_category__code")
    def predicted(self, obj: Ticket) -> str:
        return str(obj.predicted_category) if obj.predicted_category_id else "-"

    @admin.display(description=_("置信度"), ordering="prediction_confidence")
    def confidence(self, obj: Ticket) -> str:
        if obj.prediction_confidence is None:
            return "-"
        return format_html('<span title="{}">{}%</span>', obj.prediction_confidence,
                           round(obj.prediction_confidence * 100))

    @admin.action(description=_("按预测分类受理所选工单"))
    def accept_prediction(self, request, queryset):
        done = 0
        for ticket in queryset.select_related("predicted_category"):
            if ticket.predicted_category is None:
                continue
            try:
                triage_correct(ticket=ticket, fault_category=ticket.predicted_category, by=request.user)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{ticket.number}: {exc.message}")
        if done:
            messages.success(request, gettext("已受理 %(n)d 个工单。") % {"n": done})

    def get_urls(self):
        return [path("retrain/", self.admin_site.admin_view(self.retrain_view), name="tickets_triage_retrain"),
                path("<int:object_id>/classify/", self.admin_site.admin_view(self.classify_view),
                     name="tickets_triage_classify"),
                *super().get_urls()]

    def classify_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """One click in the queue: classify the ticket as the chosen candidate through the service
        (which writes the correction and the event and routes the ticket)."""
        if request.method != "POST" or not self._can_triage(request):
            raise PermissionDenied
        ticket = get_object_or_404(policy.scope_queryset(request.user, Ticket.objects.select_related(
            "customer", "product_model", "predicted_category", "fault_category")), pk=object_id)
        category = leaf_categories().filter(code=request.POST.get("fault_category_code", "")).first()
        if category is None:
            messages.error(request, gettext("请选择具体的故障分类（末级分类）。"))
        else:
            try:
                triage_correct(ticket=ticket, fault_category=category, by=request.user)
            except DomainError as exc:
                messages.error(request, f"{ticket.number}: {exc.message}")
            else:
                messages.success(request, gettext("工单 %(number)s 已分类为“%(cat)s”。")
                                 % {"number": ticket.number, "cat": category})
        return HttpResponseRedirect(reverse("admin:tickets_triagequeueticket_changelist"))

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self._can_triage(request):
            raise PermissionDenied
        model = classifier_train()
        messages.success(request, gettext("分类模型已重新训练（版本 %(v)d，样本 %(n)d 条，其中工单 %(t)d 条）。")
                         % {"v": model.pk, "n": model.sample_count, "t": model.ticket_sample_count})
        return HttpResponseRedirect(reverse("admin:tickets_triagequeueticket_changelist"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "retrain_url": reverse("admin:tickets_triage_retrain")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if not self._can_triage(request):
            raise PermissionDenied
        ticket = get_object_or_404(
            policy.scope_queryset(request.user, Ticket.objects.select_related(
                "customer", "product_model", "predicted_category", "device")),
            pk=object_id)
        categories = list(leaf_categories())
        if request.method == "POST":
            category = next((c for c in categories if str(c.pk) == request.POST.get("fault_category")), None)
            if category is None:
                messages.error(request, gettext("请选择具体的故障分类（末级分类）。"))
            else:
                try:
                    triage_correct(ticket=ticket, fault_category=category, by=request.user)
                except DomainError as exc:
                    messages.error(request, str(exc.message))
                else:
                    messages.success(request, gettext("工单 %(number)s 已分类为“%(cat)s”。")
                                     % {"number": ticket.number, "cat": category})
                    return HttpResponseRedirect(reverse("admin:tickets_triagequeueticket_changelist"))
        result = getattr(ticket, "triage_result", None)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("分类工单 %(number)s") % {"number": ticket.number},
            "opts": self.model._meta,
            "ticket": ticket,
            "result": result,
            "categories": categories,
            "selected": ticket.predicted_category_id,
            "attachments": list(ticket.attachments.filter(kind="image")),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "tickets/intake/admin_triage.html", context)


@admin.register(TriageResult)
class TriageResultAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "predicted_category", "confidence", "auto_triaged", "needs_review", "reviewed_by",
                    "created_at")
    list_select_related = ("ticket", "predicted_category", "predicted_category__parent", "reviewed_by")
    list_filter = ("auto_triaged", "needs_review")
    search_fields = ("ticket__number",)
    readonly_fields = ("ticket", "predicted_category", "confidence", "candidates", "explanation", "context",
                       "tokens", "model_version",
                       "auto_triaged", "needs_review", "reviewed_by", "reviewed_at", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TriageCorrection)
class TriageCorrectionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "from_category", "to_category", "corrected_by", "created_at")
    list_select_related = ("ticket", "from_category", "to_category", "corrected_by", "from_category__parent",
                           "to_category__parent")
    search_fields = ("ticket__number",)
    readonly_fields = ("ticket", "from_category", "to_category", "corrected_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClassifierModel)
class ClassifierModelAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "is_active", "sample_count", "ticket_sample_count", "vocabulary_size")
    exclude = ("params",)
    readonly_fields = ("created_at", "is_active", "sample_count", "ticket_sample_count", "vocabulary_size")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("params")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntakeChannelKey)
class IntakeChannelKeyAdmin(PolicyAdminMixin, APIKeyModelAdmin):
    list_display = ("prefix", "name", "channel", "created", "expiry_date", "has_expired", "revoked")
    list_filter = (*APIKeyModelAdmin.list_filter, "channel")

    @admin.display(description=_("已过期"), boolean=True)
    def has_expired(self, obj: IntakeChannelKey) -> bool:
        return obj.has_expired

    def save_model(self, request, obj, form=None, change=False) -> None:
        if change:
            obj.save()
            return
        # The key is shown once, here: only its hash is stored.
        key = self.model.objects.assign_key(obj)
        obj.save()
        messages.warning(request, gettext("接入渠道密钥“%(name)s”为：%(key)s 。请立即妥善保存，离开本页后将无法再次查看。")
                         % {"name": obj.name, "key": key})


@admin.register(IntakeRecord)
class IntakeRecordAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("external_id", "channel", "outcome", "ticket", "created_at")
    list_select_related = ("ticket",)
    list_filter = ("channel", "outcome")
    search_fields = ("external_id", "ticket__number")
    readonly_fields = ("channel", "external_id", "ticket", "outcome", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

