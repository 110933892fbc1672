"""Working a job: state changes, notes and evidence photos. Each view validates, calls one service
and answers with the job as it is now; conflicts (the job moved on) become 409 with its state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from repairs.dispatch.services import assignment_accept, assignment_decline
from repairs.services import visit_check_in, visit_depart
from tickets.attachments import attachment_add
from tickets.exceptions import DomainError, InvalidTransition
from tickets.models import Attachment, TicketAssignment
from tickets.services import ticket_note_add, ticket_transition

from .base import ApiView, IsTechnician, JobMixin, error_responses
from .jobs import job_detail_data
from .serializers import AttachmentOut, EventOut, JobDetailOut

WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


class RequestTooLarge(DomainError):
    code = "request_too_large"
    status_code = 413


class BodySizeGuardMixin:
    """Refuses an oversized upload from its Content-Length before a byte of it is parsed."""

    def max_body_bytes(self) -> int:
        return max(settings.ATTACHMENT_MAX_IMAGE_BYTES, settings.ATTACHMENT_MAX_VIDEO_BYTES) + 64 * 1024

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self.max_body_bytes()
        if length > limit:
            raise RequestTooLarge(_("上传内容过大（最多 %(mb)d MB）。") % {"mb": limit // (1024 * 1024)},
                                  extra={"max_bytes": limit})
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class MessageIn(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TransitionApi(JobMixin, ApiView):
    """A plain FSM step of my job (start, wait for customer/parts, resume, submit to QC)."""

    permission_classes = [IsTechnician]
    transition = ""

    def post(self, request: Request, job_id: int) -> Response:
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        job = ticket_transition(ticket=job, transition=self.transition, by=request.user,
                                message=data.validated_data["message"])
        return Response(job_detail_data(job, user=request.user))


def _transition_view(name: str, transition: str, summary: str) -> type[TransitionApi]:
    @extend_schema(
        operation_id=f"jobs_{transition}", tags=["work"], request=MessageIn,
        responses={200: JobDetailOut, **error_responses("400", "401", "403", "404", "409", "422")},
    )
    def post(self: TransitionApi, request: Request, job_id: int) -> Response:
        return TransitionApi.post(self, request, job_id)

    return type(name, (TransitionApi,), {"transition": transition, "__doc__": summary, "post": post,
                                         "__module__": __name__})


JobStartApi = _transition_view("JobStartApi", "start", "Start working on the job.")
JobWaitCustomerApi = _transition_view("JobWaitCustomerApi", "wait_customer", "Pause: waiting for the customer.")
JobWaitPartsApi = _transition_view("JobWaitPartsApi", "wait_parts", "Pause: waiting for parts.")
JobResumeApi = _transition_view("JobResumeApi", "resume", "Resume after a pause.")


# The two paths the app used before each action had one path: they keep working for one release,
# marked deprecated in the schema and in every answer (RFC 9745 Deprecation, RFC 8594 Sunset and a
# Link to the path that replaces them), so a client in the field has a release to move over.
ALIAS_SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"


def _deprecated(response: Response, request: Request, *, old: str, successor: str) -> Response:
    response["Deprecation"] = "true"
    response["Sunset"] = ALIAS_SUNSET
    response["Link"] = f'<{request.path[: -len(old)] + successor}>; rel="successor-version"'
    return response


class JobSubmitQcAliasApi(TransitionApi):
    """Deprecated alias: use repair/submit-qc/."""

    transition = "submit_qc"

    @extend_schema(
        operation_id="jobs_submit_qc_deprecated", tags=["work"], request=MessageIn, deprecated=True,
        description=gettext_lazy("已弃用，保留一个版本：请改用 POST jobs/{job_id}/repair/submit-qc/（维修单送质检，需完工照片与"
                          "维修说明）。本路径只移动工单状态，有进行中维修单的工单会被拒绝。"),
        responses={200: JobDetailOut, **error_responses("400", "401", "403", "404", "409", "422")},
    )
    def post(self, request: Request, job_id: int) -> Response:
        return _deprecated(super().post(request, job_id), request, old="submit-qc/", successor="repair/submit-qc/")


class JobFinishAliasApi(JobMixin, ApiView):
    """Deprecated alias: use repair/hand-back/ (a job without a repair order, resolved with what was done)."""

    permission_classes = [IsTechnician]

    class FinishIn(serializers.Serializer):
        resolution = serializers.CharField(max_length=2000, help_text="What was done, for the customer.")

    @extend_schema(operation_id="jobs_finish_deprecated", tags=["work"], request=FinishIn, deprecated=True,
                   description=gettext_lazy("已弃用，保留一个版本：请改用 POST jobs/{job_id}/repair/hand-back/（客户签字交机，"
                                     "没有维修单时填写处理结果）。本路径只结束没有维修单的工单，不采集客户签名。"),
                   responses={200: JobDetailOut, **error_responses("400", "401", "403", "404", "409", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        from tickets.services import ticket_resolve

        data = self.FinishIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = ticket_resolve(ticket=self.get_job(), by=request.user, resolution=data.validated_data["resolution"])
        return _deprecated(Response(job_detail_data(job, user=request.user)), request, old="finish/",
                           successor="repair/hand-back/")


class JobNoteApi(JobMixin, ApiView):
    """An internal note on the job's timeline."""

    permission_classes = [IsTechnician]

    class NoteIn(serializers.Serializer):
        message = serializers.CharField(max_length=2000)
        customer_visible = serializers.BooleanField(default=False)

    @extend_schema(operation_id="jobs_note", tags=["work"], request=NoteIn,
                   responses={201: EventOut, **error_responses("400", "401", "403", "404", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        event = ticket_note_add(ticket=self.get_job(), by=request.user, **data.validated_data)
        return Response(EventOut(event).data, status=status.HTTP_201_CREATED)


class JobAttachmentApi(BodySizeGuardMixin, JobMixin, ApiView):
    """Upload an evidence photo (or video) of the job: multipart ``file`` + ``purpose``.

    Images are validated with Pillow; EXIF is stripped from the stored file (what customers see),
    its GPS position is kept on the record; oversized files, pixel floods and decompression bombs
    are refused before decoding. The body's Content-Length is checked before it is read.
    """

    permission_classes = [IsTechnician]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    class AttachmentIn(serializers.Serializer):
        file = serializers.FileField(help_text="JPG, PNG, WEBP, HEIC image or MP4/MOV/WEBM video.")
        purpose = serializers.ChoiceField(
            choices=[Attachment.Purpose.BEFORE, Attachment.Purpose.AFTER, Attachment.Purpose.EVIDENCE,
                     Attachment.Purpose.OTHER],
            default=Attachment.Purpose.EVIDENCE,
        )
        customer_visible = serializers.BooleanField(default=True)
        uuid = serializers.UUIDField(required=False, help_text="Client-generated id (offline creation); "
                                     "uploading again with the same uuid returns the stored attachment.")

    @extend_schema(operation_id="jobs_attachments_create", tags=["work"], request={
        "multipart/form-data": AttachmentIn},
        responses={201: AttachmentOut, **error_responses("400", "401", "403", "404", "413", "422")})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.AttachmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        attachment = attachment_add(
            ticket=self.get_job(), file=upload, filename=upload.name or "upload", by=request.user,
            purpose=data.validated_data["purpose"], content_type=getattr(upload, "content_type", "") or "",
            customer_visible=data.validated_data["customer_visible"], uuid=data.validated_data.get("uuid"),
        )
        return Response(AttachmentOut(attachment).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Dispatch: accept / decline; on-site visits: on my way, check in
# ---------------------------------------------------------------------------------------------

class AssignmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    role = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class AssignmentMixin(JobMixin):
    def get_assignment(self, *, statuses: list[str]) -> TicketAssignment:
        job = self.get_job()
        assignment = (TicketAssignment.objects.filter(ticket=job, technician__user=self.request.user,
                                                      status__in=statuses)
                      .select_related("technician", "ticket").order_by("-created_at").first())
        if assignment is None:
            raise InvalidTransition(_("该工单没有待您处理的派工。"), code="no_assignment",
                                    extra={"state": job.status})
        return assignment


class JobAcceptApi(AssignmentMixin, ApiView):
    """Take the job offered to me."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_accept", tags=["work"], request=None,
                   responses={200: AssignmentOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        assignment = self.get_assignment(statuses=[TicketAssignment.Status.OFFERED])
        assignment = assignment_accept(assignment=assignment, by=request.user)
        return Response(AssignmentOut(assignment).data)


class JobDeclineApi(AssignmentMixin, ApiView):
    """Decline the job with a reason; it is dispatched to someone else (and leaves my list)."""

    permission_classes = [IsTechnician]

    class DeclineIn(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="jobs_decline", tags=["work"], request=DeclineIn,
                   responses={200: AssignmentOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.DeclineIn(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = self.get_assignment(statuses=TicketAssignment.ACTIVE_STATUSES)
        assignment = assignment_decline(assignment=assignment, by=request.user, reason=data.validated_data["reason"])
        return Response(AssignmentOut(assignment).data)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    departed_at = serializers.DateTimeField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)
    distance_m = serializers.IntegerField(allow_null=True, help_text="Distance to the customer's address.")
    is_far = serializers.BooleanField(help_text="Checked in farther than allowed from the address (flagged).")


class JobDepartApi(JobMixin, ApiView):
    """On my way to an on-site job (the customer sees it)."""

    permission_classes = [IsTechnician]

    class DepartIn(serializers.Serializer):
        eta_minutes = serializers.IntegerField(required=False, min_value=1, max_value=720,
                                               help_text="Expected minutes to arrive; the customer is told the time.")

    @extend_schema(operation_id="jobs_depart", tags=["work"], request=DepartIn,
                   responses={200: VisitOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.DepartIn(data=request.data or {})
        data.is_valid(raise_exception=True)
        visit = visit_depart(ticket=self.get_job(), technician=request.user.technician, by=request.user,
                             eta_minutes=data.validated_data.get("eta_minutes"))
        return Response(VisitOut(visit).data)


class JobCheckInApi(JobMixin, ApiView):
    """Arrived on site: the GPS position is recorded with the distance to the customer."""

    permission_classes = [IsTechnician]

    class CheckInIn(serializers.Serializer):
        latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
        longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)

    @extend_schema(operation_id="jobs_check_in", tags=["work"], request=CheckInIn,
                   responses={200: VisitOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.CheckInIn(data=request.data)
        data.is_valid(raise_exception=True)
        visit = visit_check_in(ticket=self.get_job(), technician=request.user.technician, by=request.user,
                               **data.validated_data)
        return Response(VisitOut(visit).data)
