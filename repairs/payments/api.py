"""The job's payment from the technician's phone: what is due and received, and cash or transfer
taken at an on-site hand-back (through the same service as the admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from repairs.api.base import ApiView, IsTechnician, JobMixin, error_responses

from .selectors import payment_due
from .services import payment_record_offline


class PaymentOut(serializers.Serializer):
    due = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    payable_now = serializers.BooleanField()
    received = serializers.BooleanField()
    deferred = serializers.BooleanField(help_text="月结/挂账已登记：未收款也可交机")
    status = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


def _payment_view(ticket) -> dict:
    due = payment_due(ticket=ticket)
    settled = due.settled if due is not None else None
    return {"due": due is not None, "amount": due.amount if due else None,
            "payable_now": bool(due and due.payable_now and settled is None), "received": settled is not None,
            "deferred": bool(due and due.deferral is not None),
            "status": settled.status if settled else "", "method": settled.method if settled else "",
            "paid_at": settled.paid_at if settled else None,
            "refunded": settled.refunded_amount if settled else None}


class JobPaymentApi(JobMixin, ApiView):
    """The repair fee of this job: amount of the approved quote and whether it was received."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_payment", tags=["payments"],
                   responses={200: PaymentOut, **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: str) -> Response:
        return Response(PaymentOut(_payment_view(self.get_job())).data)


class JobPaymentRecordApi(JobMixin, ApiView):
    """Record cash (or a transfer) the customer paid at an on-site hand-back."""

    permission_classes = [IsTechnician]

    class PaymentRecordInputSerializer(serializers.Serializer):
        method = serializers.ChoiceField(choices=["cash", "transfer"])
        amount = serializers.DecimalField(max_digits=10, decimal_places=2)
        reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    InputSerializer = PaymentRecordInputSerializer

    @extend_schema(operation_id="jobs_payment_record", tags=["payments"], request=InputSerializer,
                   responses={201: PaymentOut, **error_responses("400", "401", "403", "404", "409")})
    def post(self, request: Request, job_id: str) -> Response:
        job = self.get_job()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_record_offline(ticket=job, by=request.user, **data.validated_data)
        return Response(PaymentOut(_payment_view(job)).data, status=status.HTTP_201_CREATED)
