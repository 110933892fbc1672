"""Output serializers shared by the technicians' API (input serializers sit next to their views).

Nothing here queries the database: every related object is loaded by the view's queryset
(``select_related`` / ``prefetch_related``) so that lists cost a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.files import attachment_staff_url
from tickets.masking import mask_phone
from tickets.models import Attachment, ProductModel, Ticket, TicketEvent
from tickets.models.core import choice_label

ACTIVE_JOB_STATES = {
    Ticket.Status.ASSIGNED, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING_CUSTOMER,
    Ticket.Status.WAITING_PARTS,
}


def job_is_active(ticket: Ticket) -> bool:
    """While a job is active its technician needs the customer's full phone number."""
    return ticket.status in ACTIVE_JOB_STATES


def sla_seconds_left(ticket: Ticket) -> int | None:
    return seconds_left(ticket.due_resolution_at)


def seconds_left(due: Any) -> int | None:
    return None if due is None else int((due - timezone.now()).total_seconds())


class CustomerOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.SerializerMethodField(help_text="Full while the job is active, masked (138****5678) "
                                              "otherwise.")
    phone_masked = serializers.SerializerMethodField()
    tier = serializers.CharField()
    is_vip = serializers.BooleanField()

    def get_phone(self, customer: Any) -> str:
        return customer.phone if self.context.get("active") else customer.masked_phone

    def get_phone_masked(self, customer: Any) -> bool:
        return not self.context.get("active")


class DeviceOut(serializers.Serializer):
    id = serializers.IntegerField()
    serial_number = serializers.CharField()
    product_model = serializers.CharField(source="product_model.__str__")
    product_category = serializers.CharField(source="product_model.category")
    purchase_date = serializers.DateField(allow_null=True)
    invoice_number = serializers.CharField()


class JobOut(serializers.ModelSerializer):
    """One job (a ticket assigned to me) as a list row or a sync record."""

    status_label = serializers.CharField(source="get_status_display")
    customer_name = serializers.CharField(source="customer.name")
    customer_phone = serializers.SerializerMethodField()
    product_model = serializers.SerializerMethodField()
    fault_category = serializers.SerializerMethodField()
    sla_seconds_left = serializers.SerializerMethodField(
        help_text="Seconds until the resolution deadline (negative when overdue; null without a deadline)."
    )
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)

    class Meta:
        model = Ticket
        fields = [
            "id", "uuid", "number", "status", "status_label", "title", "priority", "service_mode", "channel",
            "customer_name", "customer_phone", "product_model", "fault_category", "city", "district", "address",
            "latitude", "longitude", "due_response_at", "due_resolution_at", "sla_seconds_left", "created_at",
            "updated_at",
        ]

    def to_representation(self, ticket: Ticket) -> dict:
        # A technician's list is the app's most frequent request: twenty rows, each of which DRF would
        # build field by field (looking up each source, inspecting each method's signature), several
        # times what the rest of the request costs. ``job_row`` builds the same row directly; a test
        # holds it equal to the declared fields.
        return job_row(job_values(ticket))

    def get_customer_phone(self, ticket: Ticket) -> str:
        return ticket.customer.phone if job_is_active(ticket) else ticket.customer.masked_phone

    def get_product_model(self, ticket: Ticket) -> str | None:
        return str(ticket.product_model) if ticket.product_model_id else None

    def get_fault_category(self, ticket: Ticket) -> str | None:
        return ticket.fault_category.name if ticket.fault_category_id else None

    def get_sla_seconds_left(self, ticket: Ticket) -> int | None:
        return sla_seconds_left(ticket)


_STATUS_FIELD = Ticket._meta.get_field("status")
_coordinate = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)

#: What a job row reads, as ``QuerySet.values`` names: a list page asks for these and builds its rows
#: from them, without a model instance per ticket, customer, product model and category.
JOB_VALUES = ("id", "uuid", "number", "status", "title", "priority", "service_mode", "channel", "customer__name",
              "customer__phone", "product_model__brand", "product_model__name", "fault_category__name", "city",
              "district", "address", "latitude", "longitude", "due_response_at", "due_resolution_at", "created_at",
              "updated_at")


def _when(value: Any) -> str | None:
    """``DateTimeField``'s ISO 8601 in the current time zone, without its per-value set-up."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _coordinate_out(value: Any) -> Any:
    return None if value is None else _coordinate.to_representation(value)


def job_values(ticket: Ticket) -> dict:
    """The ``JOB_VALUES`` of a ticket already loaded (with its customer, product model and category)."""
    model, category = ticket.product_model, ticket.fault_category
    values = {name: getattr(ticket, name) for name in JOB_VALUES if "__" not in name}
    values.update({
        "customer__name": ticket.customer.name, "customer__phone": ticket.customer.phone,
        "product_model__brand": model.brand if model is not None else None,
        "product_model__name": model.name if model is not None else None,
        "fault_category__name": category.name if category is not None else None,
    })
    return values


def job_row(values: Mapping[str, Any]) -> dict:
    """One row of ``JobOut`` from its ``JOB_VALUES``, in its field order, with the values its fields
    would give."""
    status, phone = values["status"], values["customer__phone"]
    model_name, due = values["product_model__name"], values["due_resolution_at"]
    return {
        "id": values["id"],
        "uuid": str(values["uuid"]),
        "number": values["number"],
        "status": status,
        "status_label": choice_label(_STATUS_FIELD, status),
        "title": values["title"],
        "priority": values["priority"],
        "service_mode": values["service_mode"],
        "channel": values["channel"],
        "customer_name": values["customer__name"],
        "customer_phone": phone if status in ACTIVE_JOB_STATES else mask_phone(phone),
        "product_model": None if model_name is None else ProductModel.label(values["product_model__brand"],
                                                                              model_name),
        "fault_category": values["fault_category__name"],
        "city": values["city"],
        "district": values["district"],
        "address": values["address"],
        "latitude": _coordinate_out(values["latitude"]),
        "longitude": _coordinate_out(values["longitude"]),
        "due_response_at": _when(values["due_response_at"]),
        "due_resolution_at": _when(due),
        "sla_seconds_left": seconds_left(due),
        "created_at": _when(values["created_at"]),
        "updated_at": _when(values["updated_at"]),
    }


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "message", "from_state", "to_state", "customer_visible", "created_at"]


class AttachmentOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "uuid", "kind", "purpose", "original_name", "content_type", "size", "width", "height",
                  "sha256", "customer_visible", "created_at", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return attachment_staff_url(attachment) if attachment.file else ""


class HistoryOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Ticket
        fields = ["id", "number", "status", "status_label", "title", "resolution", "created_at", "resolved_at"]


class RepairOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    findings = serializers.CharField()
    cause = serializers.CharField()
    work_done = serializers.CharField()
    rework_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ArticleOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    slug = serializers.CharField(allow_blank=True)
    audience = serializers.CharField(allow_blank=True, help_text="customer (self-help) or internal (solution).")
    score = serializers.FloatField(allow_null=True, help_text="Search relevance.")


@extend_schema_field(OpenApiTypes.OBJECT)
class JsonObjectField(serializers.JSONField):
    """Free-form JSON object (e.g. the 三包 preview computed by the warranty engine)."""


class JobDetailOut(JobOut):
    """Everything a technician needs on site."""

    customer = serializers.SerializerMethodField()
    device = DeviceOut(allow_null=True)
    description = serializers.CharField()
    warranty_preview = JsonObjectField(help_text="三包 preview: the warranty engine's verdict and its clause.")
    price_min = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    price_max = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    history = serializers.SerializerMethodField(help_text="Earlier tickets of the same device, newest first.")
    repair_order = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField(help_text="The ticket's timeline (oldest first).")
    articles = serializers.SerializerMethodField(help_text="Knowledge articles suggested for the fault.")
    available_actions = serializers.SerializerMethodField()
    assignment_status = serializers.SerializerMethodField(
        help_text="My latest assignment on this job: offered (to accept or decline), accepted, declined, released, "
        "done; null when I never had one (e.g. a QC inspector).")

    class Meta(JobOut.Meta):
        fields = [*JobOut.Meta.fields, "customer", "device", "description", "warranty_preview", "price_min",
                  "price_max", "history", "repair_order", "attachments", "events", "articles",
                  "available_actions", "assignment_status"]

    def to_representation(self, ticket: Ticket) -> dict:
        # one object per request: the declared fields, read the usual way
        return serializers.ModelSerializer.to_representation(self, ticket)

    @extend_schema_field(CustomerOut)
    def get_customer(self, ticket: Ticket) -> dict:
        return CustomerOut(ticket.customer, context={"active": job_is_active(ticket)}).data

    @extend_schema_field(HistoryOut(many=True))
    def get_history(self, ticket: Ticket) -> list:
        return HistoryOut(self.context.get("history", []), many=True).data

    @extend_schema_field(RepairOrderOut(allow_null=True))
    def get_repair_order(self, ticket: Ticket) -> dict | None:
        order = self.context.get("repair_order")
        return RepairOrderOut(order).data if order is not None else None

    @extend_schema_field(AttachmentOut(many=True))
    def get_attachments(self, ticket: Ticket) -> list:
        return AttachmentOut(self.context.get("attachments", []), many=True).data

    @extend_schema_field(EventOut(many=True))
    def get_events(self, ticket: Ticket) -> list:
        return EventOut(self.context.get("events", []), many=True).data

    @extend_schema_field(ArticleOut(many=True))
    def get_articles(self, ticket: Ticket) -> list:
        return self.context.get("articles", [])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignment_status(self, ticket: Ticket) -> str | None:
        return self.context.get("assignment_status")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, ticket: Ticket) -> list[str]:
        return self.context.get("available_actions", [])
