"""Parts against a job from the technician's phone: ask for the job's parts (approved at once within
the rules, or by the centre), see the job's van ledger, and close it out (核销)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parts.models import Part
from tickets.exceptions import NotFoundError

from ..services.job_parts import job_part_request, job_parts_ledger, job_parts_reconcile, van_of
from .base import ApiView, IsTechnician, JobMixin, error_responses, technician_of

WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


class LedgerLineOut(serializers.Serializer):
    part_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    issued = serializers.IntegerField()
    fitted = serializers.IntegerField()
    returned = serializers.IntegerField()
    defective = serializers.IntegerField()
    open = serializers.IntegerField()


class JobPartRequestApi(JobMixin, ApiView):
    """Ask for parts of this job from my centre's store into my van."""

    permission_classes = [IsTechnician]

    class PartRequestInputSerializer(serializers.Serializer):
        part_id = serializers.IntegerField()
        quantity = serializers.IntegerField(min_value=1, max_value=99)
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    InputSerializer = PartRequestInputSerializer

    class PartRequestOutputSerializer(serializers.Serializer):
        transfer_id = serializers.IntegerField(source="transfer.pk")
        number = serializers.CharField(source="transfer.number")
        status = serializers.CharField(source="transfer.status")
        quantity = serializers.IntegerField(source="transfer.quantity")
        issued = serializers.BooleanField()
        pending_reason = serializers.CharField(allow_null=True)

    OutputSerializer = PartRequestOutputSerializer

    @extend_schema(operation_id="jobs_parts_request", tags=["parts"], request=InputSerializer,
                   responses={201: OutputSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: str) -> Response:
        job = self.get_job()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        part = Part.objects.filter(pk=data.validated_data["part_id"], is_active=True).first()
        if part is None:
            raise NotFoundError()
        transfer, reason = job_part_request(ticket=job, part=part, quantity=data.validated_data["quantity"],
                                            by=request.user, note=data.validated_data["note"])
        out = self.OutputSerializer({"transfer": transfer, "issued": reason is None, "pending_reason": reason})
        return Response(out.data, status=status.HTTP_201_CREATED)


class JobPartsLedgerApi(JobMixin, ApiView):
    """What was issued into my van for this job and how it is accounted for."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_parts_ledger", tags=["parts"],
                   responses={200: LedgerLineOut(many=True), **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: str) -> Response:
        job = self.get_job()
        van = van_of(technician_of(request.user))
        return Response(LedgerLineOut(job_parts_ledger(ticket=job, van=van), many=True).data)


class JobPartsReconcileApi(JobMixin, ApiView):
    """Close out the job's van parts: unfitted units go back to the store, the ledger is recorded."""

    permission_classes = [IsTechnician]

    class PartsReconcileOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        lines = LedgerLineOut(many=True)
        created_at = serializers.DateTimeField()

    OutputSerializer = PartsReconcileOutputSerializer

    @extend_schema(operation_id="jobs_parts_reconcile", tags=["parts"], request=None,
                   responses={201: OutputSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: str) -> Response:
        record = job_parts_reconcile(ticket=self.get_job(), by=request.user)
        return Response(self.OutputSerializer(record).data, status=status.HTTP_201_CREATED)
