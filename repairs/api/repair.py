"""The workshop job of one of my tickets: open, diagnose, quote, customer approval with signature,
start, fit parts and hand over to QC. Every view calls one ``repairs.services`` function."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.proxies import client_ip
from parts.models import Part
from repairs.models import LineKind, Quote, QuoteLine, RepairOrder
from repairs.selectors import price_items_for
from repairs.services import (
    job_sign_off,
    quote_approve,
    quote_create,
    quote_decline,
    quote_send,
    repair_diagnose,
    repair_fit_part,
    repair_hand_back,
    repair_order_open,
    repair_parts_arrived,
    repair_start,
    repair_submit_qc,
    repair_wait_parts,
    repair_warranty_decide,
)
from repairs.services.warranty import DECISION_FIELDS
from repairs.warranty.card import decision_card
from tickets.exceptions import NotFoundError, ValidationFailed
from tickets.models import Ticket

from .base import ApiView, IsTechnician, JobMixin, error_responses, url_id
from .jobs import job_detail_data
from .serializers import JobDetailOut

WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


class RepairOrderDetailOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    warranty_decision = serializers.JSONField(help_text="The binding 三包 verdict: the entitlement (options with "
                                              "amount, payer and clause) and the decision.")
    warranty_card = serializers.SerializerMethodField(help_text="The verdict as readable text in the request's "
                                                      "language (summary, options, decision, reasons, clauses).")

    class Meta:
        model = RepairOrder
        fields = ["id", "uuid", "ticket_id", "status", "status_label", "fault_code", "findings", "cause",
                  "work_done", "in_warranty", "warranty_decision", "warranty_card", *DECISION_FIELDS,
                  "decision_status", "decided_remedy", "decided_amount", "decided_payer", "rework_count",
                  "received_at", "updated_at"]

    def get_warranty_card(self, obj: RepairOrder) -> dict | None:
        return decision_card(obj.warranty_decision)


class WarrantyDecisionIn(serializers.Serializer):
    """The 三包 decision's inputs; each is optional (the recorded answer is kept when omitted)."""

    warranty_choice = serializers.ChoiceField(choices=RepairOrder._meta.get_field("warranty_choice").choices,
                                              required=False,
                                              allow_blank=True, help_text="The consumer's choice.")
    same_model_in_stock = serializers.BooleanField(required=False, help_text="The same model can be supplied now.")
    model_discontinued = serializers.BooleanField(required=False)
    consumer_refuses_other_model = serializers.BooleanField(required=False)
    accessory_bundled = serializers.BooleanField(required=False, help_text="The accessory was sold with the host.")
    accessory_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False,
                                               allow_null=True,
                                               help_text="The accessory's separate selling price on the day of return.")
    battery_measured_mah = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    battery_rated_mah = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    goods_intact = serializers.BooleanField(required=False, allow_null=True,
                                            help_text="Online 7-day return: the goods are intact (null: not asked).")
    activation = serializers.ChoiceField(choices=RepairOrder._meta.get_field("activation").choices, required=False,
                                         allow_blank=True,
                                         help_text="inspection: activated only to check quality and function.")
    goods_returned_on = serializers.DateField(required=False, allow_null=True,
                                              help_text="The day the seller received the returned goods.")


class QuoteLineOut(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ["id", "kind", "description", "part_id", "quantity", "unit_price", "amount", "is_free",
                  "free_reason", "position"]


class QuoteOut(serializers.ModelSerializer):
    lines = QuoteLineOut(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "repair_order_id", "version", "status", "under_warranty", "warranty_reason", "total",
                  "note", "sent_at", "approved_at", "signer_name", "declined_at", "decline_reason", "lines"]


class RepairMixin(JobMixin):
    """Loads the job's active repair order (404 when there is none)."""

    def get_repair_order(self) -> RepairOrder:
        job = self.get_job()
        order = (RepairOrder.objects.filter(ticket=job).exclude(status__in=RepairOrder.FINAL_STATES)
                 .select_related("ticket").order_by("-created_at").first())
        if order is None:
            raise NotFoundError(_("该工单没有进行中的维修单。"), code="no_repair_order")
        return order

    def get_quote(self) -> Quote:
        order = self.get_repair_order()
        quote = Quote.objects.filter(repair_order=order, pk=url_id(self.kwargs["quote_id"])).first()
        if quote is None:
            raise NotFoundError()
        return quote


def _order_response(order: RepairOrder, code: int = status.HTTP_200_OK) -> Response:
    order.refresh_from_db()
    return Response(RepairOrderDetailOut(order).data, status=code)


class RepairOpenIn(serializers.Serializer):
    uuid = serializers.UUIDField(required=False, help_text="Client-generated id (offline creation); "
                                 "opening again with the same uuid returns the same repair order.")


class RepairOpenApi(RepairMixin, ApiView):
    """Open the workshop job (the device is here); the ticket is started if needed."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_open", tags=["repair"], request=RepairOpenIn,
                   responses={201: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = RepairOpenIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = repair_order_open(ticket=self.get_job(), by=request.user, uuid=data.validated_data.get("uuid"))
        return _order_response(order, status.HTTP_201_CREATED)


class RepairDetailApi(RepairMixin, ApiView):
    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_retrieve", tags=["repair"],
                   responses={200: RepairOrderDetailOut, **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: int) -> Response:
        return Response(RepairOrderDetailOut(self.get_repair_order()).data)


class DiagnoseIn(WarrantyDecisionIn):
    fault_code = serializers.CharField(max_length=40, help_text="A code of the category's performance-fault table.")
    findings = serializers.CharField(max_length=4000)
    cause = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    exclusions = serializers.ListField(
        child=serializers.DictField(), required=False, default=list,
        help_text="三包 exclusions, each {code, evidence: [attachment ids], note} with the evidence uploaded first.",
    )


class RepairDiagnoseApi(RepairMixin, ApiView):
    """Record the diagnosis; the binding 三包 decision is taken (diagnosing → quoting)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_diagnose", tags=["repair"], request=DiagnoseIn,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = DiagnoseIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = repair_diagnose(repair_order=self.get_repair_order(), by=request.user, **data.validated_data)
        return _order_response(order)


class RepairWarrantyDecideApi(RepairMixin, ApiView):
    """Record the consumer's choice (and stock, model and return answers); the 三包 decision is taken."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_warranty_decide", tags=["repair"], request=WarrantyDecisionIn,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = WarrantyDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = repair_warranty_decide(repair_order=self.get_repair_order(), by=request.user, **data.validated_data)
        return _order_response(order)


class QuoteLineIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LineKind.choices, required=False,
                                   help_text="Optional with price_item_code (the item's kind).")
    price_item_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text="A code of jobs/{job_id}/codes/ price_items: name, part and unit price default to the list's.")
    description = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    part_id = serializers.PrimaryKeyRelatedField(queryset=Part.objects.filter(is_active=True), source="part",
                                                 required=False, allow_null=True, default=None)
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False,
                                          allow_null=True, default=None,
                                          help_text="Defaults to the part's retail price.")
    chargeable = serializers.BooleanField(default=False, help_text="Charged even under 三包 (e.g. an extra "
                                          "service the customer asked for).")


class QuoteIn(serializers.Serializer):
    lines = QuoteLineIn(many=True, allow_empty=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def quote_lines_priced(job: Ticket, lines: list[dict]) -> list[dict]:
    """Resolves ``price_item_code`` against the job's price list; an unknown code changes nothing."""
    codes = [line["price_item_code"] for line in lines if line.get("price_item_code")]
    items = {}
    model = job.device.product_model if job.device_id else job.product_model
    if codes and model is not None and job.fault_category_id:
        items = {i.code: i for i in price_items_for(product_model_id=model.pk, fault_category_id=job.fault_category_id)}
    out = []
    for position, line in enumerate(lines, start=1):
        code = line.pop("price_item_code", "")
        if code:
            if code not in items:
                raise ValidationFailed(_("第 %(n)s 行的价目编码 %(code)s 不在本工单的价目表中。")
                                       % {"n": position, "code": code}, extra={"field": "price_item_code"})
            line["price_item"] = items[code]
        elif not line.get("kind"):
            raise ValidationFailed(_("第 %(n)s 行的类型无效。") % {"n": position}, extra={"field": "kind"})
        out.append({k: v for k, v in line.items() if v is not None})
    return out


class QuoteCreateApi(RepairMixin, ApiView):
    """Write a new quote version (itemised parts, labour, services; free under 三包 with the reason)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="quote_create", tags=["repair"], request=QuoteIn,
                   responses={201: QuoteOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = QuoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        lines = quote_lines_priced(self.get_job(), [dict(line) for line in data.validated_data["lines"]])
        quote = quote_create(repair_order=self.get_repair_order(), lines=lines, by=request.user,
                             note=data.validated_data["note"])
        return Response(QuoteOut(quote).data, status=status.HTTP_201_CREATED)


class QuoteSendApi(RepairMixin, ApiView):
    """Ask the customer to approve this quote version."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="quote_send", tags=["repair"], request=None,
                   responses={200: QuoteOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int, quote_id: int) -> Response:
        quote = quote_send(quote=self.get_quote(), by=request.user)
        return Response(QuoteOut(quote).data)


class SignatureIn(serializers.Serializer):
    signer_name = serializers.CharField(max_length=80)
    signature_png = serializers.CharField(
        help_text="The customer's handwritten signature drawn on the technician's phone: a PNG, base64 "
        "(a data: URL prefix is accepted).",
    )

    def validate_signature_png(self, value: str) -> bytes:
        if value.startswith("data:"):
            value = value.split(",", 1)[-1]
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("签名图片不是有效的 base64。"))
        if not data:
            raise serializers.ValidationError(_("请手写签名。"))
        if len(data) > 2 * 1024 * 1024:
            raise serializers.ValidationError(_("签名图片过大。"))
        return data


class QuoteApproveApi(RepairMixin, ApiView):
    """The customer approves on the technician's phone, signing by hand (stored with IP and device)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="quote_approve", tags=["repair"], request=SignatureIn,
                   responses={200: QuoteOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int, quote_id: int) -> Response:
        data = SignatureIn(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_approve(
            quote=self.get_quote(), signature_png=data.validated_data["signature_png"],
            signer_name=data.validated_data["signer_name"], ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""), by=request.user,
        )
        return Response(QuoteOut(quote).data)


class QuoteDeclineIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class QuoteDeclineApi(RepairMixin, ApiView):
    """The customer refuses the quote (recorded on the technician's phone)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="quote_decline", tags=["repair"], request=QuoteDeclineIn,
                   responses={200: QuoteOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int, quote_id: int) -> Response:
        data = QuoteDeclineIn(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_decline(quote=self.get_quote(), reason=data.validated_data["reason"], by=request.user)
        return Response(QuoteOut(quote).data)


class RepairStartApi(RepairMixin, ApiView):
    """Start (or resume after rework) the repair; needs an approved quote."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_start", tags=["repair"], request=None,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        return _order_response(repair_start(repair_order=self.get_repair_order(), by=request.user))


class WaitPartsIn(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    producer_parts = serializers.BooleanField(default=False, help_text="Waiting for the producer's parts.")


class RepairWaitPartsApi(RepairMixin, ApiView):
    """Pause the repair for parts (the waiting days count for 三包)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_wait_parts", tags=["repair"], request=WaitPartsIn,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = WaitPartsIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = repair_wait_parts(repair_order=self.get_repair_order(), by=request.user, **data.validated_data)
        return _order_response(order)


class RepairPartsArrivedApi(RepairMixin, ApiView):
    """The parts are here: back to repairing."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_parts_arrived", tags=["repair"], request=None,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        return _order_response(repair_parts_arrived(repair_order=self.get_repair_order(), by=request.user))


class FitPartIn(serializers.Serializer):
    quote_line_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    part_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    serial_payload = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                           help_text="The scanned QR label of a serialized part.")
    serial = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    old_serial = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("quote_line_id") and not attrs.get("part_id"):
            raise serializers.ValidationError({"part_id": [_("请选择报价行或备件。")]})
        return attrs


class FittedPartOut(serializers.Serializer):
    id = serializers.IntegerField()
    part_id = serializers.IntegerField()
    quote_line_id = serializers.IntegerField(allow_null=True)
    serial = serializers.CharField()
    old_serial = serializers.CharField()
    created_at = serializers.DateTimeField()


class RepairFitPartApi(RepairMixin, ApiView):
    """Fit a part of the approved quote (consumes its reservation; serialized parts are scanned)."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_fit_part", tags=["repair"], request=FitPartIn,
                   responses={201: FittedPartOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = FitPartIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = self.get_repair_order()
        values = data.validated_data
        line = None
        if values["quote_line_id"]:
            line = QuoteLine.objects.filter(pk=values["quote_line_id"], quote__repair_order=order).first()
            if line is None:
                raise NotFoundError(_("报价行不存在。"))
        part = Part.objects.filter(pk=values["part_id"]).first() if values["part_id"] else None
        if values["part_id"] and part is None:
            raise NotFoundError(_("备件不存在。"))
        fitted = repair_fit_part(repair_order=order, by=request.user, quote_line=line, part=part,
                                 serial=values["serial"], serial_payload=values["serial_payload"],
                                 old_serial=values["old_serial"])
        return Response(FittedPartOut(fitted).data, status=status.HTTP_201_CREATED)


class SubmitQcIn(serializers.Serializer):
    work_done = serializers.CharField(max_length=4000)
    technician_signature_png = serializers.CharField(required=False, allow_blank=True, default="",
                                                     help_text="Optional: the technician's signature, PNG base64.")

    def validate_technician_signature_png(self, value: str) -> bytes | None:
        if not value:
            return None
        return SignatureIn().validate_signature_png(value)


class RepairSubmitQcApi(RepairMixin, ApiView):
    """Repair done (after-photos uploaded as attachments with purpose "after"): hand over to QC."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_submit_qc", tags=["repair"], request=SubmitQcIn,
                   responses={200: RepairOrderDetailOut, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = SubmitQcIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = repair_submit_qc(repair_order=self.get_repair_order(), by=request.user,
                                 work_done=data.validated_data["work_done"],
                                 technician_signature_png=data.validated_data["technician_signature_png"])
        return _order_response(order)


class HandBackIn(SignatureIn):
    technician_signature_png = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Optional: the technician's countersignature on the same phone, PNG base64; kept as the "
        "repair's technician signature when none was given at the QC hand-over.")
    resolution = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="What was done, for the customer. Required for a job without a repair order (solved on "
        "site without a workshop repair); a repaired job's resolution is its repair's work done.")

    def validate_technician_signature_png(self, value: str) -> bytes | None:
        return self.validate_signature_png(value) if value else None


HAND_BACK_OUT = PolymorphicProxySerializer(
    component_name="HandBackOut", serializers=[RepairOrderDetailOut, JobDetailOut], resource_type_field_name=None)


class RepairHandBackApi(RepairMixin, ApiView):
    """Hand the job back: the customer signs on the technician's phone; the ticket is resolved. The one
    path that ends a technician's job.

    With a repair order, that order must have passed QC (or been declined: the device goes back
    unrepaired); the answer is the repair order. Without one (solved on site without a workshop
    repair), ``resolution`` says what was done; the answer is the job.
    """

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="repair_hand_back", tags=["repair"], request=HandBackIn,
                   responses={200: HAND_BACK_OUT, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, job_id: int) -> Response:
        data = HandBackIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_job()
        order = RepairOrder.objects.filter(ticket=job).order_by("-created_at").first()
        if order is None:
            job = job_sign_off(ticket=job, by=request.user, resolution=data.validated_data["resolution"],
                               signer_name=data.validated_data["signer_name"],
                               signature_png=data.validated_data["signature_png"])
            return Response(job_detail_data(job, user=request.user))
        order = repair_hand_back(repair_order=order, by=request.user,
                                 signer_name=data.validated_data["signer_name"],
                                 signature_png=data.validated_data["signature_png"],
                                 technician_signature_png=data.validated_data["technician_signature_png"])
        return _order_response(order)
