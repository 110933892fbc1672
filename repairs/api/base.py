"""Bases of the technicians' API: one place that loads and authorises jobs, throttles,
wraps every POST with ``Idempotency-Key`` handling and documents the error shape in the schema.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from config.api_errors import ErrorSerializer
from config.idempotency import HEADER, has_stored_response, idempotent
from config.throttling import AnonRateThrottle, UserRateThrottle
from repairs.models import Technician
from tickets import policy
from tickets.models import Ticket

from .schema_zh import SUMMARIES

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (code ``invalid``; ``extra.fields`` holds the errors per field) or a domain rule "
    "refused the action.",
    "401": "Not authenticated: missing, expired or revoked token, or the user was deactivated.",
    "403": "Authenticated, but this role may not use the endpoint.",
    "404": "Not found — or not yours: other technicians' jobs are indistinguishable from missing ones.",
    "409": "Conflict: the job moved on meanwhile (``invalid_transition`` / ``conflict``); ``extra.current`` "
    "holds its current state. ``idempotency_key_in_progress``: a request with the same Idempotency-Key is "
    "still running; retry it later to get its stored response.",
    "413": "The request body is too large.",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Throttled; ``extra.retry_after`` (and the Retry-After header) say when to retry.",
}


def error_responses(*codes: str) -> dict[str, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class ApiSchema(AutoSchema):
    """Adds the error responses every endpoint can give, the ``Idempotency-Key`` header of POSTs and
    the operations' Chinese titles."""

    def get_summary(self) -> str | None:
        summary = SUMMARIES.get(self.get_operation_id())
        return str(summary) if summary is not None else super().get_summary()

    def get_override_parameters(self) -> list:
        params = list(super().get_override_parameters())
        for name in re.findall(r"{(\w+_id)}", self.path):
            params.append(OpenApiParameter(name, int, OpenApiParameter.PATH, description="Id (a positive integer)."))
        if self.method == "POST" and getattr(getattr(self.view, "post", None), "idempotent", False):
            params.append(
                OpenApiParameter(
                    HEADER, str, OpenApiParameter.HEADER, required=False,
                    description="Any 1–100 printable characters (a UUID). A retry with the same key returns "
                    "the first response and changes nothing; the same key with another body → 422.",
                )
            )
        return params

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        codes = ["400", "429"]
        if self.view.permission_classes and permissions.AllowAny not in self.view.permission_classes:
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "POST":
            codes += ["409", "422"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code,
                    direction=direction,
                )
        return responses


class ApiView(APIView):
    """Base of every endpoint: per-user throttling, the schema above, idempotent POSTs."""

    throttle_classes = [UserRateThrottle, AnonRateThrottle]
    schema = ApiSchema()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        post = cls.__dict__.get("post")
        if post is not None and not getattr(post, "idempotent", False) and getattr(cls, "idempotent", True):
            cls.post = idempotent(post)


def technician_of(user: Any) -> Technician | None:
    return policy.technician_of(user)


class IsTechnician(permissions.BasePermission):
    """Field and bench technicians: users with a Technician profile."""

    message = _("只有维修工程师可以使用此接口。")
    code = "not_technician"

    def has_permission(self, request: Request, view: Any) -> bool:
        return technician_of(request.user) is not None


def is_qc_inspector(user: Any) -> bool:
    return policy.is_qc_inspector(user)


class IsQcInspector(permissions.BasePermission):
    """QC inspectors: technicians flagged as inspectors, or users of the 质检 role."""

    message = _("只有质检员可以使用此接口。")
    code = "not_qc_inspector"
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_qc_inspector(request.user)


def job_queryset(user: Any) -> QuerySet[Ticket]:
    """The tickets a technician may see: those assigned to them. Filtering happens in SQL."""
    tech = technician_of(user)
    if tech is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(pk__in=policy.technician_job_ids(tech.pk))


def qc_queryset(user: Any) -> QuerySet[Ticket]:
    """The QC queue an inspector may see: tickets in quality check at their center(s)."""
    if not is_qc_inspector(user):
        return Ticket.objects.none()
    return policy.scope_queryset(user, Ticket.objects.filter(status=Ticket.Status.QUALITY_CHECK))


def url_id(value: Any) -> int:
    """A primary key from the URL; anything but a positive integer is simply not found."""
    text = str(value or "")
    if not text.isdigit() or len(text) > 18:
        raise exceptions.NotFound()
    return int(text)


class JobMixin:
    """Loads the job named in the URL from the user's own jobs, or answers 404 (never 403: another
    technician's job must be indistinguishable from a missing one)."""

    job_select_related = ("customer", "device__product_model", "product_model", "fault_category",
                          "service_center", "technician")
    request: Request
    kwargs: dict

    def job_scope(self) -> QuerySet[Ticket]:
        return job_queryset(self.request.user)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Resolve the job right after authentication and permissions, before the body is parsed or
        # validated: someone else's job answers 404 whatever was sent, never a 400 that leaks it.
        # A replay of a stored POST skips it: the first answer stands even if the job moved on.
        self._job = None
        if "job_id" in kwargs and not has_stored_response(request):
            self._job = self._load_job()

    def _load_job(self) -> Ticket:
        qs = self.job_scope().select_related(*self.job_select_related)
        job = qs.filter(pk=url_id(self.kwargs["job_id"])).first()
        if job is None:
            raise exceptions.NotFound()
        return job

    def get_job(self) -> Ticket:
        job = getattr(self, "_job", None)
        return job if job is not None else self._load_job()

    def get_conflict_state(self) -> dict | None:
        """The job as it is now (for 409 answers): state and repair order state."""
        job = self.job_scope().filter(pk=url_id(self.kwargs.get("job_id"))).first()
        if job is None:
            return None
        order = job.repair_orders.order_by("-created_at").first()
        return {
            "id": job.pk,
            "status": job.status,
            "status_label": str(job.get_status_display()),
            "technician_id": job.technician_id,
            "repair_order": {"id": order.pk, "uuid": str(order.uuid), "status": order.status} if order else None,
            "updated_at": job.updated_at.isoformat(),
        }
