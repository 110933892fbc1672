"""Report a new ticket from the technician's phone (e.g. the customer's second device on site).

Goes through ``tickets.intake.services.intake_submit``, the one intake path of every channel
(channel "app"): customer and device matching, validation, dedupe and triage happen there.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.intake.services import intake_submit
from tickets.models import Channel, FaultCategory, ProductModel, ServiceMode

from .base import ApiView, IsTechnician, error_responses


class TicketIn(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False, allow_null=True, default=None,
        help_text="Client-generated id (offline creation): a retry with the same uuid returns the first "
        "ticket and creates nothing.",
    )
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30)
    description = serializers.CharField(max_length=4000)
    product_model = serializers.SlugRelatedField(slug_field="code", queryset=ProductModel.objects.all(),
                                                 required=False, allow_null=True, default=None,
                                                 help_text="Product model code.")
    serial = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    fault_category = serializers.SlugRelatedField(slug_field="code", queryset=FaultCategory.objects.all(),
                                                  required=False, allow_null=True, default=None)
    service_mode = serializers.ChoiceField(choices=ServiceMode.choices, required=False, allow_blank=True,
                                           default="")
    city = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                        required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True, default=None)


class TicketCreatedOut(serializers.Serializer):
    id = serializers.IntegerField(source="ticket.pk")
    uuid = serializers.UUIDField(source="ticket.uuid")
    number = serializers.CharField(source="ticket.number")
    status = serializers.CharField(source="ticket.status")
    outcome = serializers.ChoiceField(choices=["created", "duplicate", "follow_up"],
                                      help_text="duplicate: an open ticket of the same device and fault "
                                      "already existed and got this report instead.")
    replayed = serializers.BooleanField()
    message = serializers.CharField()
    tracking_url = serializers.CharField(source="ticket.get_tracking_url")


class TicketCreateApi(ApiView):
    """Open a ticket for a customer (channel "app")."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="tickets_create", tags=["tickets"], request=TicketIn,
                   responses={201: TicketCreatedOut, **error_responses("400", "401", "403", "409", "422")})
    def post(self, request: Request) -> Response:
        data = TicketIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client_uuid = values.pop("uuid")
        result = intake_submit(channel=Channel.APP, by=request.user,
                               external_id=f"app:{client_uuid}" if client_uuid else "", **values)
        code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        return Response(TicketCreatedOut(result).data, status=code)

