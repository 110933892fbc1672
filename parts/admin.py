"""Back office of the warehouse (仓管): stock per location, ledger per part, transfers, serial labels,
old-part returns, forecasts and alerts, CSV/XLSX import/export. A client of services and selectors,
so no admin path writes a stock number, a state or a ledger row itself.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError
from tickets.importing.admin import DataAdminMixin

from . import selectors, services
from .forms import EmergencyTransferForm, LabelCheckForm, StockOperationForm, TransferRequestForm
from .labels import label_payload, label_png, label_png_data_uri
from .models import (
    DefectiveReturn,
    DemandForecast,
    JobPartsReconciliation,
    Location,
    LowStockAlert,
    Part,
    Reservation,
    SerialUnit,
    StockLevel,
    StockMovement,
    SupplierClaim,
    Transfer,
)
from .resources import PartExporter, PartImporter, StockExporter, StockImporter


def run_service(request, func, **kwargs):
    """Call a service and turn a domain error into an admin message; returns the result or None."""
    try:
        return func(**kwargs)
    except (DomainError, ValidationError) as exc:
        text = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
        messages.error(request, str(text))
        return None


def bulk_action(func, label, done, *, name: str = "", **extra):
    """An admin action that calls ``func(<kwarg>=obj, by=user)`` for each selected object."""

    def action(modeladmin, request, queryset):
        ok = 0
        for obj in queryset:
            kwargs = {modeladmin.service_arg: obj, "by": request.user, **extra}
            if run_service(request, func, **kwargs) is not None:
                ok += 1
        if ok:
            messages.success(request, done % {"count": ok})

    action.short_description = label
    action.__name__ = name or f"{func.__name__}_action"
    return action


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Part)
class PartAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = PartImporter
    exporter_class = PartExporter
    list_display = ("sku", "name", "category", "cost_price", "retail_price", "warranty_days", "is_serialized",
                    "total_on_hand", "total_available", "links", "is_active")
    list_filter = ("category", "is_serialized", "is_active")
    search_fields = ("sku", "name", "supplier")
    filter_horizontal = ("compatible_models",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            on_hand_sum=Coalesce(Sum("stock_levels__on_hand"), 0),
            available_sum=Coalesce(Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")), 0))

    @admin.display(description=_("总在库"), ordering="on_hand_sum")
    def total_on_hand(self, obj):
        return obj.on_hand_sum

    @admin.display(description=_("总可用"), ordering="available_sum")
    def total_available(self, obj):
        return obj.available_sum

    @admin.display(description=_("查看"))
    def links(self, obj):
        stock = reverse("admin:parts_stocklevel_changelist") + "?" + urlencode({"part__id__exact": obj.pk})
        moves = reverse("admin:parts_stockmovement_changelist") + "?" + urlencode({"part__id__exact": obj.pk})
        return format_html('<a href="{}">{}</a> · <a href="{}">{}</a>', stock, gettext("库存"), moves,
                           gettext("流水"))

    def save_model(self, request, obj, form, change):
        try:
            services.part_save(part=obj, by=request.user)
        except DomainError as exc:
            raise ValidationError(str(exc))


@admin.register(Location)
class LocationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "center", "technician", "city", "sku_count", "units",
                    "stock_link", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "city")
    list_select_related = ("parent", "center", "technician")
    autocomplete_fields = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            sku_n=Count("stock_levels", distinct=True), units_n=Coalesce(Sum("stock_levels__on_hand"), 0))

    @admin.display(description=_("品种数"), ordering="sku_n")
    def sku_count(self, obj):
        return obj.sku_n

    @admin.display(description=_("在库件数"), ordering="units_n")
    def units(self, obj):
        return obj.units_n

    @admin.display(description=_("库存"))
    def stock_link(self, obj):
        url = reverse("admin:parts_stocklevel_changelist") + "?" + urlencode({"location__id__exact": obj.pk})
        return format_html('<a href="{}">{}</a>', url, gettext("查看库存"))


class LowStockFilter(admin.SimpleListFilter):
    title = _("库存状态")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return [("1", _("低于补货点")), ("0", _("正常"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(reorder_point__gt=0, available_qty__lte=F("reorder_point"))
        if self.value() == "0":
            return queryset.exclude(reorder_point__gt=0, available_qty__lte=F("reorder_point"))
        return queryset


@admin.register(StockLevel)
class StockLevelAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """Stock per location: on-hand, reserved, available, in transit (shown apart) and the reorder point."""

    importer_class = StockImporter
    exporter_class = StockExporter
    list_display = ("part", "location", "on_hand", "reserved", "available_col", "in_transit_col", "reorder_point",
                    "low_flag", "history_link")
    list_filter = (LowStockFilter, "location__kind", "location", "part__category")
    search_fields = ("part__sku", "part__name", "location__code", "location__name")
    readonly_fields = ("part", "location", "on_hand", "reserved", "updated_at")
    fields = ("part", "location", "on_hand", "reserved", "reorder_point", "updated_at")
    change_list_template = "admin/parts/stocklevel/change_list.html"

    def get_queryset(self, request):
        return policy.scope_queryset(request.user, selectors.stock_level_list())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("可用"), ordering="available_qty")
    def available_col(self, obj):
        return obj.available_qty

    @admin.display(description=_("在途"), ordering="in_transit_qty")
    def in_transit_col(self, obj):
        return obj.in_transit_qty

    @admin.display(description=_("预警"), boolean=True)
    def low_flag(self, obj):
        return not (obj.reorder_point and obj.available_qty <= obj.reorder_point)

    @admin.display(description=_("流水"))
    def history_link(self, obj):
        url = reverse("admin:parts_stockmovement_changelist") + "?" + urlencode(
            {"part__id__exact": obj.part_id, "location__id__exact": obj.location_id})
        return format_html('<a href="{}">{}</a>', url, gettext("流水"))

    def save_model(self, request, obj, form, change):
        services.stock_reorder_point_set(part=obj.part, location=obj.location, reorder_point=obj.reorder_point,
                                         by=request.user)

    def get_urls(self):
        return [
            path("operate/", self.admin_site.admin_view(self.operate_view), name="parts_stock_operate"),
            path("emergency/", self.admin_site.admin_view(self.emergency_view), name="parts_stock_emergency"),
            *super().get_urls(),
        ]

    def operate_view(self, request):
        """Receive, adjust, scrap or receive serialized units through the stock services."""
        if not request.user.has_perm("parts.add_stockmovement"):
            raise PermissionDenied
        form = StockOperationForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            common = {"part": d["part"], "location": d["location"], "by": request.user}
            if d["operation"] == "receive":
                result = run_service(request, services.stock_receive, quantity=d["quantity"],
                                     reference=d["reference"], reason=d["reason"], **common)
            elif d["operation"] == "adjust":
                result = run_service(request, services.stock_adjust, delta=d["quantity"], reason=d["reason"],
                                     reference=d["reference"], **common)
            elif d["operation"] == "scrap":
                result = run_service(request, services.stock_scrap, quantity=d["quantity"], reason=d["reason"],
                                     **common)
            else:
                result = run_service(request, services.serial_units_receive, serials=d["serial_list"],
                                     reference=d["reference"], **common)
            if result is not None:
                messages.success(request, gettext("库存已更新。"))
                return HttpResponseRedirect(reverse("admin:parts_stocklevel_changelist") + "?" + urlencode(
                    {"location__id__exact": d["location"].pk}))
        context = {**self.admin_site.each_context(request), "title": gettext("库存操作"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/parts/form.html", context)

    def emergency_view(self, request):
        """Nearest locations that have the part (haversine), and an emergency transfer from the nearest."""
        if not request.user.has_perm("parts.add_transfer"):
            raise PermissionDenied
        form = EmergencyTransferForm(request.POST or request.GET or None)
        suggestions = []
        if form.is_bound and form.is_valid():
            d = form.cleaned_data
            suggestions = selectors.transfer_source_suggestions(part=d["part"], destination=d["destination"],
                                                                quantity=d["quantity"])
            if request.method == "POST":
                transfer = run_service(request, services.transfer_emergency_create, part=d["part"],
                                       destination=d["destination"], quantity=d["quantity"], by=request.user)
                if transfer is not None:
                    messages.success(request, gettext("已创建紧急调拨单 %(number)s。") % {"number": transfer.number})
                    return HttpResponseRedirect(reverse("admin:parts_transfer_change", args=[transfer.pk]))
        context = {**self.admin_site.each_context(request), "title": gettext("紧急调拨"), "form": form,
                   "suggestions": suggestions, "opts": self.model._meta}
        return TemplateResponse(request, "admin/parts/emergency.html", context)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    """The ledger, read-only: filter by part for its movement history."""

    list_display = ("created_at", "part", "location", "kind", "on_hand_delta", "reserved_delta", "reason",
                    "reference", "ticket", "actor")
    list_filter = ("kind", "location__kind", "location", "created_at")
    search_fields = ("part__sku", "part__name", "reference", "ticket__number", "reason")
    list_select_related = ("part", "location", "ticket", "actor")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    service_arg = "reservation"
    list_display = ("id", "part", "location", "quantity", "status", "ticket", "reference", "expires_at",
                    "fitted_serial", "created_by")
    list_filter = ("status", "location")
    search_fields = ("part__sku", "reference", "ticket__number", "fitted_serial")
    list_select_related = ("part", "location", "ticket", "created_by")
    actions = [bulk_action(services.reservation_release, _("释放所选预留"), _("已释放 %(count)s 条预留。"))]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("parts.change_reservation"):
            actions.pop("reservation_release_action", None)
        return actions


@admin.register(SerialUnit)
class SerialUnitAdmin(PolicyAdminMixin, admin.ModelAdmin):
    service_arg = "unit"
    list_display = ("serial", "part", "status", "location", "received_at", "fitted_ticket", "label_link")
    list_filter = ("status", "part__category", "location")
    search_fields = ("serial", "part__sku", "fitted_device_serial")
    list_select_related = ("part", "location", "fitted_ticket")
    readonly_fields = ("part", "serial", "status", "location", "received_at", "fitted_at", "fitted_ticket",
                       "fitted_device_serial", "last_scanned_at", "label_preview")
    exclude = ("label_nonce",)
    actions = ["print_labels",
               bulk_action(services.serial_unit_label_reissue, _("重新签发标签（旧标签作废）"),
                           _("已重新签发 %(count)s 张标签。"))]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("标签"))
    def label_link(self, obj):
        return format_html('<a href="{}" target="_blank">PNG</a>',
                           reverse("admin:parts_serialunit_label", args=[obj.pk]))

    @admin.display(description=_("标签预览"))
    def label_preview(self, obj):
        return format_html('<img src="{}" alt="{}">', label_png_data_uri(obj), obj.serial)

    @admin.action(description=_("打印所选标签（A4 标签页）"))
    def print_labels(self, request, queryset):
        units = list(queryset.select_related("part")[:200])
        context = {**self.admin_site.each_context(request), "title": gettext("备件标签"),
                   "labels": [(u, label_png_data_uri(u)) for u in units], "opts": self.model._meta}
        return TemplateResponse(request, "admin/parts/label_sheet.html", context)

    def get_urls(self):
        return [path("<int:pk>/label.png", self.admin_site.admin_view(self.label_view), name="parts_serialunit_label"),
                path("check/", self.admin_site.admin_view(self.check_view), name="parts_serialunit_check"),
                *super().get_urls()]

    def check_view(self, request):
        """Verify a scanned label (genuine, unused, fits the model, at the place) with ``serial_unit_scan``."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = LabelCheckForm(request.POST or None)
        unit = None
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            unit = run_service(request, services.serial_unit_scan, payload=d["payload"],
                               product_model=d["product_model"], location=d["location"])
            if unit is not None:
                messages.success(request, gettext("正品校验通过：%(serial)s（%(sku)s），位于 %(location)s。") % {
                    "serial": unit.serial, "sku": unit.part.sku,
                    "location": unit.location.name if unit.location else "-"})
        context = {**self.admin_site.each_context(request), "title": gettext("备件标签校验"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/parts/form.html", context)

    def label_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        unit = get_object_or_404(policy.scope_queryset(request.user, SerialUnit.objects.select_related("part")), pk=pk)
        response = HttpResponse(label_png(unit), content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="{unit.serial}.png"'
        response["X-Label-Payload-Length"] = str(len(label_payload(unit)))
        return response


@admin.register(Transfer)
class TransferAdmin(PolicyAdminMixin, admin.ModelAdmin):
    service_arg = "transfer"
    list_display = ("number", "part", "source", "destination", "quantity", "status", "is_emergency", "ticket",
                    "created_at", "shipped_at")
    list_filter = ("status", "is_emergency", "source", "destination")
    search_fields = ("number", "part__sku", "ticket__number", "tracking_no")
    list_select_related = ("part", "source", "destination", "ticket")
    autocomplete_fields = ("part", "source", "destination")
    actions = [
        bulk_action(services.transfer_approve, _("批准"), _("已批准 %(count)s 张调拨单。")),
        bulk_action(services.transfer_ship, _("发货"), _("已发出 %(count)s 张调拨单。")),
        bulk_action(services.transfer_receive, _("签收"), _("已签收 %(count)s 张调拨单。")),
        bulk_action(services.transfer_cancel, _("取消"), _("已取消 %(count)s 张调拨单。")),
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TransferRequestForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("part", "source", "destination", "quantity", "is_emergency", "note")
        return ("number", "part", "source", "destination", "quantity", "status", "is_emergency", "ticket", "note",
                "tracking_no", "requested_by", "approved_at", "shipped_at", "received_at", "cancelled_at",
                "nearest_sources")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [f for f in self.get_fields(request, obj) if f != "note"]

    @admin.display(description=_("就近有货库位"))
    def nearest_sources(self, obj):
        rows = selectors.transfer_source_suggestions(part=obj.part, destination=obj.destination,
                                                     quantity=obj.quantity)
        if not rows:
            return "-"
        return format_html_join(
            format_html("<br>"), "{}：{} {}{}",
            ((s.location.name, gettext("可用"), s.available,
              f"，{s.distance_km:.0f} km" if s.distance_km is not None else "") for s in rows))

    def save_model(self, request, obj, form, change):
        if change:
            Transfer.objects.filter(pk=obj.pk).update(note=obj.note)
            return
        try:
            created = services.transfer_request(part=obj.part, source=obj.source, destination=obj.destination,
                                                quantity=obj.quantity, is_emergency=obj.is_emergency,
                                                note=obj.note, by=request.user)
        except DomainError as exc:
            raise ValidationError(str(exc))
        obj.pk = created.pk
        obj.number = created.number

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DefectiveReturn)
class DefectiveReturnAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    service_arg = "defective_return"
    list_display = ("id", "part", "removed_serial", "ticket", "from_location", "to_location", "status",
                    "created_at", "received_at")
    list_filter = ("status", "to_location")
    search_fields = ("removed_serial", "part__sku", "ticket__number")
    list_select_related = ("part", "ticket", "from_location", "to_location")
    actions = [
        bulk_action(services.defective_return_ship, _("标记已寄出"), _("%(count)s 件旧件已寄出。")),
        bulk_action(services.defective_return_receive, _("旧件库签收"), _("%(count)s 件旧件已入旧件库。")),
        bulk_action(services.supplier_claim_create, _("向供应商索赔"), _("已提交 %(count)s 笔索赔。")),
        bulk_action(services.defective_return_scrap, _("报废"), _("%(count)s 件旧件已报废。")),
    ]


@admin.register(SupplierClaim)
class SupplierClaimAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    service_arg = "claim"
    list_display = ("id", "defective_return", "supplier", "amount", "status", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("defective_return", "defective_return__part")
    actions = [
        bulk_action(services.supplier_claim_decide, _("供应商认可"), _("%(count)s 笔索赔已认可。"),
                    name="claim_accept", status=SupplierClaim.Status.ACCEPTED),
        bulk_action(services.supplier_claim_decide, _("供应商拒绝"), _("%(count)s 笔索赔已拒绝。"),
                    name="claim_reject", status=SupplierClaim.Status.REJECTED),
    ]



@admin.register(DemandForecast)
class DemandForecastAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("part", "location", "method", "weekly_forecast", "mae", "mape", "safety_stock",
                    "suggested_reorder_point", "suggested_order_qty", "history_weeks", "computed_at")
    list_filter = ("location",)
    search_fields = ("part__sku", "part__name")
    list_select_related = ("part", "location")


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "part", "location", "available", "reorder_point", "suggested_order_qty",
                    "acknowledged_at", "acknowledged_by")
    list_filter = ("day", "location")
    search_fields = ("part__sku", "part__name")
    list_select_related = ("part", "location", "acknowledged_by")
    actions = ["acknowledge"]

    @admin.action(description=_("确认所选预警"))
    def acknowledge(self, request, queryset):
        count = services.low_stock_alerts_acknowledge(alert_ids=list(queryset.values_list("pk", flat=True)),
                                                      by=request.user)
        messages.success(request, gettext("已确认 %(count)s 条预警。") % {"count": count})


@admin.register(JobPartsReconciliation)
class JobPartsReconciliationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """The close-outs (核销) of the parts issued to vans for jobs: written by the service, read here."""

    list_display = ("ticket", "van", "reconciled_by", "created_at", "summary")
    list_select_related = ("ticket", "van", "reconciled_by")
    search_fields = ("ticket__number",)
    readonly_fields = ("ticket", "van", "lines", "reconciled_by", "created_at")

    @admin.display(description=_("核销明细"))
    def summary(self, obj):
        return "；".join(gettext("%(sku)s 领 %(i)s 装 %(f)s 退 %(r)s 旧件 %(d)s") % {
            "sku": ln["sku"], "i": ln["issued"], "f": ln["fitted"], "r": ln["returned"], "d": ln["defective"]}
            for ln in obj.lines)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
