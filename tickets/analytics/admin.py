"""Admin of the fault-spike alerts: product quality reads the evidence and records what they found."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin

from .models import (
    CentreDailyRollup,
    CentreMonthlyRollup,
    FaultMonthlyRollup,
    FaultSpikeAlert,
    PartDailyRollup,
    RollupState,
    TechnicianDailyRollup,
    TicketDailyRollup,
)


@admin.register(FaultSpikeAlert)
class FaultSpikeAlertAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("week_start", "product_model", "fault_category", "count", "baseline", "p_value_col", "status",
                    "evidence")
    list_filter = ("status", "week_start")
    list_select_related = ("product_model", "fault_category")
    fields = ("product_model", "fault_category", "week_start", "count", "baseline", "p_value", "evidence", "status",
              "note", "acknowledged_by", "created_at")
    readonly_fields = ("product_model", "fault_category", "week_start", "count", "baseline", "p_value", "evidence",
                       "acknowledged_by", "created_at")

    @admin.display(description=_("P 值"), ordering="p_value")
    def p_value_col(self, obj: FaultSpikeAlert) -> str:
        return f"{obj.p_value:.2g}"

    @admin.display(description=_("证据工单"))
    def evidence(self, obj: FaultSpikeAlert) -> str:
        url = reverse("admin:tickets_ticket_changelist") + "?id__in=" + ",".join(str(i) for i in obj.ticket_ids)
        return format_html('<a href="{}">{}</a>', url, gettext("查看 %(n)s 张工单") % {"n": len(obj.ticket_ids)})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # only the verdict is edited here; who recorded it is kept with it
        obj.acknowledged_by = request.user
        super().save_model(request, obj, form, change)


class RollupAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """The rollups as stored, read-only: for checking a figure against its rows (the schedule writes them)."""

    list_filter = ("day",)
    show_full_result_count = False


@admin.register(TicketDailyRollup)
class TicketDailyRollupAdmin(RollupAdmin):
    list_display = ("day", "center", "product_model", "fault_category", "created", "responded", "resolved",
                    "resolved_on_time", "complaints")
    list_select_related = ("center", "product_model", "fault_category")


@admin.register(TechnicianDailyRollup)
class TechnicianDailyRollupAdmin(RollupAdmin):
    list_display = ("day", "technician", "center", "jobs", "first_time_fix", "repeat_30", "repeat_90", "complaints")
    list_select_related = ("technician", "center")


@admin.register(CentreDailyRollup)
class CentreDailyRollupAdmin(RollupAdmin):
    list_display = ("day", "center", "responded", "responded_on_time", "resolved", "resolved_on_time")
    list_select_related = ("center",)


@admin.register(CentreMonthlyRollup)
class CentreMonthlyRollupAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "center", "responded", "responded_on_time", "resolved", "resolved_on_time")
    list_select_related = ("center",)
    show_full_result_count = False


@admin.register(FaultMonthlyRollup)
class FaultMonthlyRollupAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "all_centres", "center", "product_model", "fault_category", "created")
    list_select_related = ("center", "product_model", "fault_category")
    show_full_result_count = False


@admin.register(PartDailyRollup)
class PartDailyRollupAdmin(RollupAdmin):
    list_display = ("day", "part", "center", "consumed", "stockouts")
    list_select_related = ("part", "center")


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "through")
