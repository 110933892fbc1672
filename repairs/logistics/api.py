"""A mail-in job's shipments from the technician's phone: waybills, direction, status and tracking."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from repairs.api.base import ApiView, IsTechnician, JobMixin, error_responses

from .models import Shipment


class TrackingOut(serializers.Serializer):
    op_code = serializers.CharField()
    description = serializers.CharField()
    location = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class ShipmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.CharField()
    status = serializers.CharField()
    waybill_no = serializers.CharField()
    pickup_start = serializers.DateTimeField(allow_null=True)
    freight_payer = serializers.CharField()
    return_choice = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    events = TrackingOut(many=True)


class JobShipmentsApi(JobMixin, ApiView):
    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_shipments", tags=["logistics"],
                   responses={200: ShipmentOut(many=True), **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: str) -> Response:
        rows = (Shipment.objects.filter(ticket=self.get_job()).prefetch_related("events").order_by("created_at"))
        return Response(ShipmentOut(rows, many=True).data)
