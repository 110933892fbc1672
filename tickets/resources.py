"""CSV/XLSX import and export of the hub's master data (django-import-export; STYLE R15).

Rows are validated with the same normalizers the services use; a bad row is reported with its
line and nothing is written (import-export runs the whole import in one transaction and rolls
back when any row has an error).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget

from . import policy
from .models import Customer, Device, ProductModel, Ticket
from .validators import normalize_imei, normalize_phone, normalize_serial


class PolicyResource(resources.ModelResource):
    """A resource that knows who exports: personal data leaves masked unless the user's role may see it.

    ``contact_fields`` maps a field's attribute to the kind of personal data it holds (phone, email,
    address, name). The admin passes ``user``; without one (a management command run by the operator)
    nothing is masked.
    """

    contact_fields: dict[str, str] = {}

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        kind = self.contact_fields.get(field.attribute or "")
        if kind is None or self.user is None:
            return value
        return policy.contact_for(self.user, value, kind)


class CustomerResource(PolicyResource):
    contact_fields = {"name": "name", "phone": "phone", "email": "email", "address": "address"}

    class Meta:
        model = Customer
        import_id_fields = ("phone",)
        fields = ("name", "phone", "email", "tier", "province", "city", "district", "address", "latitude",
                  "longitude")
        skip_unchanged = True
        use_bulk = False

    def before_import_row(self, row, **kwargs):
        row["phone"] = normalize_phone(str(row.get("phone") or ""))


class ProductModelResource(resources.ModelResource):
    class Meta:
        model = ProductModel
        import_id_fields = ("code",)
        fields = ("code", "brand", "name", "category", "released_on", "list_price", "uses_imei", "is_active")
        skip_unchanged = True


class DeviceResource(PolicyResource):
    """Sales records: serial/IMEI, model code, owner phone, purchase and invoice data."""

    contact_fields = {"owner": "phone"}

    product_model = fields.Field(attribute="product_model", column_name="product_model_code",
                                 widget=ForeignKeyWidget(ProductModel, field="code"))
    owner = fields.Field(attribute="owner", column_name="owner_phone",
                         widget=ForeignKeyWidget(Customer, field="phone"))
    purchase_date = fields.Field(attribute="purchase_date", column_name="purchase_date",
                                 widget=DateWidget(format="%Y-%m-%d"))

    class Meta:
        model = Device
        import_id_fields = ("serial_number",)
        fields = ("serial_number", "product_model", "owner", "purchase_date", "invoice_number", "invoice_date",
                  "sales_channel", "seller", "purchase_price", "region_code")
        skip_unchanged = True
        use_bulk = False

    def before_import_row(self, row, **kwargs):
        serial = str(row.get("serial_number") or "").strip()
        code = str(row.get("product_model_code") or "").strip()
        model = ProductModel.objects.filter(code=code).first()
        if model is None:
            raise ValidationError(f"unknown product_model_code: {code}")
        row["serial_number"] = normalize_imei(serial) if model.uses_imei and serial.isdigit() else normalize_serial(serial)
        if row.get("owner_phone"):
            row["owner_phone"] = normalize_phone(str(row["owner_phone"]))


class TicketResource(PolicyResource):
    contact_fields = {"customer__name": "name"}

    customer_name = fields.Field(attribute="customer__name", column_name="customer")
    product = fields.Field(attribute="product_model__name", column_name="product_model")
    category = fields.Field(attribute="fault_category__name", column_name="fault_category")
    center = fields.Field(attribute="service_center__name", column_name="service_center")
    tech = fields.Field(attribute="technician__name", column_name="technician")

    class Meta:
        model = Ticket
        fields = ("number", "status", "channel", "priority", "customer_name", "product", "category", "center",
                  "tech", "city", "created_at", "first_response_at", "resolved_at", "closed_at", "price_min",
                  "price_max")
        export_order = fields

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related(
            "customer", "product_model", "fault_category", "service_center", "technician")

    # Ops read the spreadsheet: states and choices as their labels, not as codes.
    def dehydrate_status(self, ticket: Ticket) -> str:
        return str(ticket.get_status_display())

    def dehydrate_channel(self, ticket: Ticket) -> str:
        return str(ticket.get_channel_display())

    def dehydrate_priority(self, ticket: Ticket) -> str:
        return str(ticket.get_priority_display())

    def import_row(self, *args, **kwargs):  # tickets are created through intake, never imported
        raise ValidationError("tickets cannot be imported")
