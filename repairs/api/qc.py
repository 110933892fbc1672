"""Quality check from the API: the inspector's queue (their center only) and pass / fail."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import IdCursorPagination
from tickets.models import Ticket
from tickets.services import ticket_transition

from .base import ApiView, IsQcInspector, JobMixin, error_responses, qc_queryset
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


class QcDecisionIn(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                    help_text="Findings of the inspection (required when failing).")


class QcDecisionApi(JobMixin, ApiView):
    permission_classes = [IsQcInspector]
    transition = ""

    def job_scope(self) -> QuerySet[Ticket]:
        return qc_queryset(self.request.user)

    def get_conflict_state(self) -> dict | None:
        job = Ticket.objects.filter(pk=self.kwargs.get("job_id")).values("id", "status").first()
        return job

    def post(self, request: Request, job_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = ticket_transition(ticket=self.get_job(), transition=self.transition, by=request.user,
                                message=data.validated_data["message"])
        return Response(JobOut(job).data)


class QcPassApi(QcDecisionApi):
    """The repair passed quality check: the device is ready."""

    transition = "pass_qc"
    InputSerializer = QcDecisionIn

    @extend_schema(operation_id="qc_pass", tags=["qc"], request=QcDecisionIn,
                   responses={200: JobOut, **error_responses("400", "401", "403", "404", "409", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        return super().post(request, job_id)


class QcFailIn(QcDecisionIn):
    message = serializers.CharField(max_length=2000, help_text="What failed; the technician reworks it.")


class QcFailApi(QcDecisionApi):
    """The repair failed quality check: back to the technician for rework."""

    transition = "rework"
    InputSerializer = QcFailIn

    @extend_schema(operation_id="qc_fail", tags=["qc"], request=QcFailIn,
                   responses={200: JobOut, **error_responses("400", "401", "403", "404", "409", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        return super().post(request, job_id)
