"""Parts from the technician's phone: my van stock, scanning a part's QR label, reserving parts for
a job, and requests for parts (transfers into my van)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import IdCursorPagination
from parts.models import Location, Part, Reservation, SerialUnit, StockLevel, Transfer
from parts.services import reservation_create, serial_unit_scan, transfer_emergency_create, transfer_request
from tickets.exceptions import NotFoundError, ValidationFailed

from .base import ApiView, IsTechnician, JobMixin, error_responses, job_queryset, technician_of

WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


def my_van(user: Any) -> Location:
    """The technician's own van location; ValidationFailed when none is set up."""
    tech = technician_of(user)
    van = Location.objects.filter(technician=tech, kind=Location.Kind.VAN, is_active=True).first()
    if van is None:
        raise ValidationFailed(_("您还没有车载库位，请联系仓管开通。"), code="no_van")
    return van


class StockOut(serializers.Serializer):
    id = serializers.IntegerField()
    part_id = serializers.IntegerField()
    sku = serializers.CharField(source="part.sku")
    name = serializers.CharField(source="part.name")
    category = serializers.CharField(source="part.category")
    is_serialized = serializers.BooleanField(source="part.is_serialized")
    location_id = serializers.IntegerField()
    location = serializers.CharField(source="location.name")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class VanStockApi(ApiView):
    """Stock levels of my van (parts location of kind ``van`` that belongs to me)."""

    permission_classes = [IsTechnician]
    pagination_class = IdCursorPagination

    class VanStockPage(serializers.Serializer):
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = StockOut(many=True)

    @extend_schema(operation_id="van_stock", tags=["parts"],
                   responses={200: VanStockPage, **error_responses("401", "403")})
    def get(self, request: Request) -> Response:
        tech = technician_of(request.user)
        qs = StockLevel.objects.filter(location__technician=tech, location__kind=Location.Kind.VAN).select_related(
            "part", "location")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(StockOut(page, many=True).data)


class SerialUnitOut(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField()
    status = serializers.CharField()
    part_id = serializers.IntegerField()
    sku = serializers.CharField(source="part.sku")
    name = serializers.CharField(source="part.name")
    location_id = serializers.IntegerField(allow_null=True)


class ScanIn(serializers.Serializer):
    payload = serializers.CharField(max_length=500, help_text="The text of the scanned QR label.")


class JobScanPartApi(JobMixin, ApiView):
    """Verify a part's QR label for this job: genuine, unused, fits the device's model.

    A forged, revoked, reused or wrong-model label is refused with 422 and ``extra.reason``.
    """

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_scan_part", tags=["parts"], request=ScanIn,
                   responses={200: SerialUnitOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = ScanIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        model = job.device.product_model if job.device_id else job.product_model
        unit: SerialUnit = serial_unit_scan(payload=data.validated_data["payload"], product_model=model)
        return Response(SerialUnitOut(unit).data)


class ReservationOut(serializers.Serializer):
    id = serializers.IntegerField()
    part_id = serializers.IntegerField()
    location_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()
    reference = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ReserveIn(serializers.Serializer):
    part_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    location_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                           help_text="Where to take them from; my van by default.")


class JobReservePartApi(JobMixin, ApiView):
    """Hold parts for this job (from my van unless another location is named)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_reserve_part", tags=["parts"], request=ReserveIn,
                   responses={201: ReservationOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = ReserveIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        part = Part.objects.filter(pk=data.validated_data["part_id"]).first()
        if part is None:
            raise NotFoundError(_("备件不存在。"))
        if data.validated_data["location_id"]:
            location = Location.objects.filter(pk=data.validated_data["location_id"], is_active=True).filter(
                Q(technician__user=request.user) | Q(center_id=job.service_center_id)).first()
            if location is None:
                raise NotFoundError(_("库位不存在。"))
        else:
            location = my_van(request.user)
        reservation: Reservation = reservation_create(
            part=part, location=location, quantity=data.validated_data["quantity"], by=request.user, ticket=job,
            reference=job.number,
        )
        return Response(ReservationOut(reservation).data, status=status.HTTP_201_CREATED)


class TransferOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    part_id = serializers.IntegerField()
    sku = serializers.CharField(source="part.sku")
    name = serializers.CharField(source="part.name")
    source_id = serializers.IntegerField()
    source = serializers.CharField(source="source.name")
    destination_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()
    is_emergency = serializers.BooleanField()
    ticket_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class PartRequestIn(serializers.Serializer):
    part_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, max_value=999)
    source_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="Where from; omitted = my center's stock, or with emergency "
                                         "the nearest location that has them.")
    job_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                      help_text="The job the parts are for (must be mine).")
    emergency = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PartRequestsApi(ApiView):
    """My requests for parts: transfers into my van (list and create)."""

    permission_classes = [IsTechnician]
    pagination_class = IdCursorPagination

    class PartRequestPage(serializers.Serializer):
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = TransferOut(many=True)

    @extend_schema(operation_id="part_requests_list", tags=["parts"],
                   responses={200: PartRequestPage, **error_responses("401", "403")})
    def get(self, request: Request) -> Response:
        tech = technician_of(request.user)
        qs = Transfer.objects.filter(destination__technician=tech).select_related("part", "source")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TransferOut(page, many=True).data)

    @extend_schema(operation_id="part_requests_create", tags=["parts"], request=PartRequestIn,
                   responses={201: TransferOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = PartRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        van = my_van(request.user)
        part = Part.objects.filter(pk=values["part_id"]).first()
        if part is None:
            raise NotFoundError(_("备件不存在。"))
        ticket = None
        if values["job_id"]:
            ticket = job_queryset(request.user).filter(pk=values["job_id"]).first()
            if ticket is None:
                raise NotFoundError()
        if values["emergency"] and not values["source_id"]:
            transfer = transfer_emergency_create(part=part, destination=van, quantity=values["quantity"],
                                                 by=request.user, ticket=ticket, note=values["note"])
        else:
            source_filter = Q(pk=values["source_id"]) if values["source_id"] else Q(
                center_id=technician_of(request.user).center_id)
            source = (Location.objects.filter(source_filter, is_active=True).exclude(kind=Location.Kind.VAN)
                      .order_by("pk").first())
            if source is None:
                raise NotFoundError(_("库位不存在。"))
            transfer = transfer_request(part=part, source=source, destination=van, quantity=values["quantity"],
                                        by=request.user, is_emergency=values["emergency"], ticket=ticket,
                                        note=values["note"])
        return Response(TransferOut(transfer).data, status=status.HTTP_201_CREATED)
