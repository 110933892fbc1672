"""Quality check from the API: the inspector's queue (their center only) and pass / fail."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import IdCursorPagination
from repairs.models import RepairOrder
from repairs.services import qc_checklist_for, qc_fail, qc_gate_problems, qc_pass
from tickets.models import Ticket
from tickets.services import ticket_transition

from .base import ApiView, IsQcInspector, JobMixin, error_responses, qc_queryset, url_id
from .jobs import JOB_LIST_RELATED
from .serializers import JobOut


class QcQueueApi(ApiView):
    """Tickets waiting for quality check at my center, newest first."""

    permission_classes = [IsQcInspector]
    pagination_class = IdCursorPagination

    class QcPage(serializers.Serializer):
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = JobOut(many=True)

    @extend_schema(operation_id="qc_queue", tags=["qc"], responses={200: QcPage, **error_responses("401", "403")})
    def get(self, request: Request) -> Response:
        qs = qc_queryset(request.user).select_related(*JOB_LIST_RELATED)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(JobOut(page, many=True).data)


class QcPassIn(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    checklist = serializers.DictField(
        child=serializers.BooleanField(), required=False, default=dict,
        help_text="Checklist item code → passed, for every item of the product category's QC checklist.",
    )


class QcFailIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="What failed; the technician reworks it.")
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)


class QcDecisionApi(JobMixin, ApiView):
    """Base of pass / fail: the ticket must be in my center's QC queue (404 otherwise)."""

    permission_classes = [IsQcInspector]

    def job_scope(self) -> QuerySet[Ticket]:
        return qc_queryset(self.request.user)

    def get_conflict_state(self) -> dict | None:
        return Ticket.objects.filter(pk=url_id(self.kwargs.get("job_id"))).values("id", "status").first()

    def repair_order_in_qc(self, job: Ticket) -> RepairOrder | None:
        return RepairOrder.objects.filter(ticket=job, status=RepairOrder.Status.QC).first()


class QcPassApi(QcDecisionApi):
    """Pass: a workshop repair needs after-photos, the serials of fitted parts and every checklist item
    (``qc_gate_failed`` lists what is missing); the device is then ready."""

    @extend_schema(operation_id="qc_pass", tags=["qc"], request=QcPassIn,
                   responses={200: JobOut, **error_responses("400", "401", "403", "404", "409", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        data = QcPassIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        order = self.repair_order_in_qc(job)
        if order is not None:
            qc_pass(repair_order=order, checklist=data.validated_data["checklist"], by=request.user)
        else:
            ticket_transition(ticket=job, transition="pass_qc", by=request.user,
                              message=data.validated_data["message"])
        job = Ticket.objects.select_related(*JOB_LIST_RELATED).get(pk=job.pk)
        return Response(JobOut(job).data)


class QcFailApi(QcDecisionApi):
    """Fail with a reason: counted as rework, back to the technician."""

    @extend_schema(operation_id="qc_fail", tags=["qc"], request=QcFailIn,
                   responses={200: JobOut, **error_responses("400", "401", "403", "404", "409", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        data = QcFailIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        order = self.repair_order_in_qc(job)
        if order is not None:
            qc_fail(repair_order=order, reason=data.validated_data["reason"], by=request.user,
                    checklist=data.validated_data["checklist"])
        else:
            ticket_transition(ticket=job, transition="rework", by=request.user,
                              message=data.validated_data["reason"])
        job = Ticket.objects.select_related(*JOB_LIST_RELATED).get(pk=job.pk)
        return Response(JobOut(job).data)


class QcChecklistItemOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class QcDetailOut(serializers.Serializer):
    job = JobOut()
    repair_order_id = serializers.IntegerField(allow_null=True)
    work_done = serializers.CharField(allow_blank=True)
    checklist = QcChecklistItemOut(many=True, help_text="Items to confirm when passing (code → true).")
    problems = serializers.ListField(child=serializers.CharField(),
                                     help_text="What would stop a pass right now (missing photos, serials …).")


class QcDetailApi(QcDecisionApi):
    """One ticket of my QC queue with the checklist of its product category."""

    @extend_schema(operation_id="qc_retrieve", tags=["qc"],
                   responses={200: QcDetailOut, **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: int) -> Response:
        job = self.get_job()
        order = self.repair_order_in_qc(job)
        checklist = qc_checklist_for(order) if order is not None else []
        problems = qc_gate_problems(repair_order=order, checklist={}) if order is not None else []
        return Response(QcDetailOut({
            "job": job, "repair_order_id": order.pk if order else None,
            "work_done": order.work_done if order else "", "checklist": checklist,
            "problems": [str(p) for p in problems],
        }).data)
