"""Finance's list of electronic invoice requests. Imported by ``tickets/admin.py``.

A pending request is processed on its change page: enter the invoice number to mark it issued, or a
note to turn it down; both go through the services, which tell the customer on the timeline.
"""

from __future__ import annotations

from django.contrib import admin, messages

from ..admin_mixins import PolicyAdminMixin
from ..exceptions import DomainError
from ..models import InvoiceRequest
from .services import invoice_request_issue, invoice_request_reject

_SHOWN = ("ticket", "kind", "title", "tax_number", "email", "status", "invoice_number", "note", "processed_at",
          "ip", "created_at")


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "ticket", "kind", "title", "tax_number", "email", "status", "invoice_number",
                    "processed_at")
    list_filter = ("status", "kind", "created_at")
    search_fields = ("ticket__number", "title", "tax_number", "email", "invoice_number")
    list_select_related = ("ticket",)
    fields = _SHOWN

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == InvoiceRequest.Status.PENDING:
            return tuple(f for f in _SHOWN if f not in ("invoice_number", "note"))
        return _SHOWN

    def has_add_permission(self, request):
        return False  # customers submit requests from their progress page

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        number = (form.cleaned_data.get("invoice_number") or "").strip()
        note = (form.cleaned_data.get("note") or "").strip()
        try:
            if number:
                invoice_request_issue(invoice_request=obj, by=request.user, invoice_number=number)
            elif note:
                invoice_request_reject(invoice_request=obj, by=request.user, note=note)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
        obj.refresh_from_db()
