"""Output serializers shared by the technicians' API (input serializers sit next to their views).

Nothing here queries the database: every related object is loaded by the view's queryset
(``select_related`` / ``prefetch_related``) so that lists cost a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.files import attachment_staff_url
from tickets.models import Attachment, Ticket, TicketEvent

ACTIVE_JOB_STATES = {
    Ticket.Status.ASSIGNED, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING_CUSTOMER,
    Ticket.Status.WAITING_PARTS,
}


def job_is_active(ticket: Ticket) -> bool:
    """While a job is active its technician needs the customer's full phone number."""
    return ticket.status in ACTIVE_JOB_STATES


def sla_seconds_left(ticket: Ticket) -> int | None:
    if ticket.due_resolution_at is None:
        return None
    return int((ticket.due_resolution_at - timezone.now()).total_seconds())


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

    #: The columns a row reads (``QuerySet.only``): a list page loads these, not every column of the
    #: ticket and its relations (descriptions, 三包 previews, addresses of the customer).
    COLUMNS = ("uuid", "number", "status", "title", "priority", "service_mode", "channel", "city", "district",
               "address", "latitude", "longitude", "due_response_at", "due_resolution_at", "created_at", "updated_at",
               "customer__name", "customer__phone", "product_model__brand", "product_model__name",
               "fault_category__name")

    def get_customer_phone(self, ticket: Ticket) -> str:
        return ticket.customer.phone if job_is_active(ticket) else ticket.customer.masked_phone

    def get_product_model(self, ticket: Ticket) -> str | None:
        return str(ticket.product_model) if ticket.product_model_id else None

    def get_fault_category(self, ticket: Ticket) -> str | None:
        return ticket.fault_category.name if ticket.fault_category_id else None

    def get_sla_seconds_left(self, ticket: Ticket) -> int | None:
        return sla_seconds_left(ticket)


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
