"""Intake REST API for integrations (brand app, mini-program, e-commerce backends).

``POST /api/intake/v1/tickets/`` with ``Authorization: Api-Key <key>``; each key belongs to one
channel (``IntakeChannelKey``), so every ticket records where it came from. A retry with the same
``Idempotency-Key`` header or ``external_order_id`` returns the first answer and creates nothing.
This is a separate integration API, not the technician API under /api/v1/.
"""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.permissions import BaseHasAPIKey

from config.serializers import ReusedFieldsSerializer
from repairs.scheduling.selectors import appointment_summary, window_summary
from repairs.scheduling.services import appointment_book_enqueue
from tickets.exceptions import ValidationFailed
from tickets.lifecycle import after_commit
from tickets.links import site_url
from tickets.models import IntakeChannelKey, IntakeRecord, OneTimeCode, ProductModel
from tickets.otp import OtpThrottled, otp_send, otp_verify
from tickets.ratelimit import code_send_allowed
from tickets.reference import product_model_by_code
from tickets.validators import normalize_phone

from .keys import channel_key_verify
from .services import IntakeFile, intake_submit


def _book_after_routing(ticket, start) -> dict:
    """The ticket is routed to its centre in a worker after the answer, so the window is booked
    there too (``appointment_book_task``); the progress page shows the result, or offers another
    window when this one could not be had."""
    after_commit(appointment_book_enqueue, ticket.pk, start.isoformat())
    center = ticket.service_center if ticket.service_center_id else None
    return {"booked": False, "pending": True, **window_summary(start, center=center),
            "message": _("所选时段将在分配服务网点后确认，结果见进度页。")}


class HasIntakeChannelKey(BaseHasAPIKey):
    """A valid, unrevoked, unexpired channel key (``keys.channel_key_verify``); the key row is kept on
    the request, so the view does not look it up and verify its hash a second time."""

    model = IntakeChannelKey

    def has_permission(self, request: Request, view: object) -> bool:
        key = self.get_key(request)
        if not key:
            return False
        channel_key = channel_key_verify(key)
        if channel_key is None:
            return False
        request.intake_channel_key = channel_key
        return True


def channel_key_from_request(request: Request) -> IntakeChannelKey:
    """The key row ``HasIntakeChannelKey`` verified for this request (every intake view requires it)."""
    return request.intake_channel_key


class IntakeTicketCreateApi(APIView):
    """Open a ticket (or link to the open ticket of the same device and fault) from an integration."""

    authentication_classes: list = []
    permission_classes = [HasIntakeChannelKey]

    class AttachmentSerializer(serializers.Serializer):
        filename = serializers.CharField(max_length=200)
        content_type = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        data = serializers.CharField(help_text="base64")

        def validate_data(self, value: str) -> bytes:
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(_("附件不是有效的 base64 编码。"))

    class IntakeTicketInputSerializer(ReusedFieldsSerializer):
        name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
        phone = serializers.CharField(max_length=30)
        email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
        description = serializers.CharField(allow_blank=True, trim_whitespace=True)
        product_model = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                              help_text="product model code")
        serial = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
        purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
        service_mode = serializers.ChoiceField(choices=["", "remote", "mail_in", "on_site", "walk_in"],
                                               required=False, default="")
        province = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        city = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        district = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        division_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                              help_text="administrative division code (GB/T 2260) of the "
                                                        "district, city or province; wins over the names")
        latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                            default=None, min_value=-90, max_value=90)
        longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                             default=None, min_value=-180, max_value=180)
        external_order_id = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        otp_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                         help_text="the SMS code sent to the phone by /api/intake/v1/phone-codes/; "
                                                   "only a proven phone joins the customer's open ticket")
        attachments = serializers.ListField(child=serializers.DictField(), required=False, default=list,
                                            max_length=9)
        appointment_start = serializers.DateTimeField(
            required=False, allow_null=True, default=None,
            help_text="start of the two-hour visit window the customer picked (on the centre's business "
                      "calendar); a window that cannot be booked leaves the ticket without one and says why")

        def validate_product_model(self, value: str) -> ProductModel | None:
            if not value:
                return None
            model = product_model_by_code(value)
            if model is None:
                raise serializers.ValidationError(_("未知的产品型号代码：%(code)s") % {"code": value})
            return model

        def validate_attachments(self, value: list[dict]) -> list[IntakeFile]:
            files = []
            for item in value:
                ser = IntakeTicketCreateApi.AttachmentSerializer(data=item)
                ser.is_valid(raise_exception=True)
                files.append(IntakeFile(ser.validated_data["filename"], ser.validated_data["data"],
                                        ser.validated_data["content_type"]))
            return files

    InputSerializer = IntakeTicketInputSerializer

    class IntakeTicketOutputSerializer(serializers.Serializer):
        """A report merged into the customer's open ticket answers without that ticket's number, state or
        link (null): the caller may be anyone who typed the phone and the IMEI; the customer gets the
        link by SMS."""

        number = serializers.SerializerMethodField()
        status = serializers.SerializerMethodField()
        tracking_url = serializers.SerializerMethodField()
        category = serializers.SerializerMethodField(help_text="the fault category given or predicted "
                                                     "(triage confirms it)")
        price_min = serializers.SerializerMethodField()
        price_max = serializers.SerializerMethodField()
        warranty_preview = serializers.SerializerMethodField(help_text="三包 preview: remedies, who pays, the "
                                                             "clause; the diagnosis decides")
        outcome = serializers.CharField()
        duplicate = serializers.BooleanField(source="is_duplicate")
        replayed = serializers.BooleanField()
        message = serializers.CharField()
        appointment = serializers.SerializerMethodField(
            help_text="the visit window picked: booked/pending, start, end, date, day, window, hours and the "
                      "centre (null until the ticket is routed; a retry returns it as booked)")

        def to_representation(self, result) -> dict:
            # The fields above describe the answer (the schema); building it straight from the getters
            # spares every answer the copy of a dozen field objects.
            return {
                "number": self.get_number(result), "status": self.get_status(result),
                "tracking_url": self.get_tracking_url(result), "category": self.get_category(result),
                "price_min": self.get_price_min(result), "price_max": self.get_price_max(result),
                "warranty_preview": self.get_warranty_preview(result), "outcome": str(result.outcome),
                "duplicate": bool(result.is_duplicate), "replayed": bool(result.replayed),
                "message": str(result.message), "appointment": self.get_appointment(result),
            }

        def get_appointment(self, result) -> dict | None:
            return self.context.get("appointment")

        def get_number(self, result) -> str | None:
            return None if result.is_duplicate else result.ticket.number

        def get_status(self, result) -> str | None:
            return None if result.is_duplicate else result.ticket.status

        def get_category(self, result) -> dict | None:
            if result.is_duplicate:
                return None
            category = result.ticket.fault_category or result.ticket.predicted_category
            return {"code": category.code, "name": category.name} if category is not None else None

        def get_price_min(self, result) -> str | None:
            value = None if result.is_duplicate else result.ticket.price_min
            return None if value is None else str(value)

        def get_price_max(self, result) -> str | None:
            value = None if result.is_duplicate else result.ticket.price_max
            return None if value is None else str(value)

        def get_warranty_preview(self, result) -> dict | None:
            if result.is_duplicate:
                return None
            return result.ticket.warranty_preview or None

        def get_tracking_url(self, result) -> str | None:
            if result.is_duplicate:
                return None
            # From the configured site, never from the Host header a caller can set.
            return site_url(result.ticket.get_tracking_url())

    OutputSerializer = IntakeTicketOutputSerializer

    @extend_schema(
        operation_id="intake_ticket_create", tags=["intake"],
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="a retry with the same key returns the first answer")],
        request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer},
        description="Authorization: Api-Key <key> (one key per integration channel).",
    )
    def post(self, request: Request) -> Response:
        channel_key = channel_key_from_request(request)
        ser = self.InputSerializer(data=request.data)
        if not ser.is_valid():
            return Response({"code": "invalid", "message": _("输入有误。"), "extra": {"fields": ser.errors}},
                            status=status.HTTP_400_BAD_REQUEST)
        data = ser.validated_data
        order_id = data.pop("external_order_id")
        key = request.headers.get("Idempotency-Key", "").strip()
        # Order ids and retry keys are unique per integration, not per channel: two shops on one
        # channel may use the same order id, and neither may receive the other's ticket.
        external_id = f"order:{order_id}" if order_id else (f"key:{key[:200]}" if key else "")
        external_id = f"apikey{channel_key.pk}:{external_id}" if external_id else ""
        files = data.pop("attachments")
        start = data.pop("appointment_start")
        appointment = None
        try:
            if data["otp_code"]:
                otp_verify(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=_phone(data["phone"]),
                           code=data["otp_code"])
            # The integration gets its answer (number, category, price range, 三包 preview) as soon as
            # the ticket is stored; SLA, triage, dispatch and webhooks follow in workers.
            result = intake_submit(channel=channel_key.channel, files=files, external_id=external_id,
                                   deferred=True, **data)
            if start is not None and not result.is_duplicate:
                # a retry answers with the window as booked by now (date, hours and the centre)
                appointment = appointment_summary(result.ticket) if result.replayed else None
                if appointment is None:
                    appointment = _book_after_routing(result.ticket, start)
        except ValidationFailed as exc:
            return Response({"code": exc.code, "message": str(exc.message), "extra": exc.extra},
                            status=status.HTTP_400_BAD_REQUEST)
        out = self.OutputSerializer(result, context={"request": request, "appointment": appointment}).data
        created = result.outcome == IntakeRecord.Outcome.CREATED and not result.replayed
        return Response(out, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except DjangoValidationError:
        return ""


class IntakePhoneCodeApi(APIView):
    """Send the SMS code that proves a reporter's phone (then pass it as ``otp_code`` with the report).
    The answer is the same whether or not the phone has tickets; codes per phone are capped by the
    one-time code rules and per integration key by the "code" rate."""

    authentication_classes: list = []
    permission_classes = [HasIntakeChannelKey]

    class IntakePhoneCodeInputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=30)

    InputSerializer = IntakePhoneCodeInputSerializer

    @extend_schema(operation_id="intake_phone_code_send", tags=["intake"], request=InputSerializer,
                   responses={202: None}, description="Authorization: Api-Key <key>.")
    def post(self, request: Request) -> Response:
        channel_key = channel_key_from_request(request)
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=False)
        phone = _phone(ser.validated_data.get("phone", "")) if not ser.errors else ""
        if not phone:
            return Response({"code": "invalid", "message": _("请输入有效的手机号码。"),
                             "extra": {"fields": {"phone": [_("请输入有效的手机号码。")]}}},
                            status=status.HTTP_400_BAD_REQUEST)
        if not code_send_allowed(ip=f"apikey{channel_key.pk}"):
            return Response({"code": "otp_throttled", "message": _("获取验证码过于频繁，请稍后再试。"), "extra": {}},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        try:
            otp_send(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=phone)
        except OtpThrottled as exc:
            return Response({"code": exc.code, "message": str(exc.message), "extra": {}},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response({"message": _("验证码已发送，10 分钟内有效。")}, status=status.HTTP_202_ACCEPTED)
