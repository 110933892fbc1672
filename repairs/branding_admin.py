"""Admin for the report letterhead: one row, edited in place, saved through the service."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.admin_mixins import PolicyAdminMixin

from .models import ReportBranding
from .models.branding import BRANDING_PK
from .services import report_branding_update
from .services.branding import EDITABLE


@admin.register(ReportBranding)
class ReportBrandingAdmin(PolicyAdminMixin, admin.ModelAdmin):
    fieldsets = [
        (_("报告抬头"), {"fields": ("provider_name", "brand_name", "service_phone", "address", "logo")}),
        (_("盖章与页脚"), {"fields": ("seal", "footer")}),
        (_("记录"), {"fields": ("updated_at", "updated_by")}),
    ]
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not ReportBranding.objects.filter(pk=BRANDING_PK).exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in EDITABLE if name in form.changed_data}
        # The ModelForm already ran the model's validators; permission is the admin's own check.
        saved = report_branding_update(by=request.user, **fields)
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by
