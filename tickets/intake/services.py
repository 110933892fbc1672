"""Writes of the intake feature: the one intake path for every channel, triage and its corrections,
and classifier training.

Every channel (admin phone/store entry, ``/submit/``, the intake REST API, e-mail) calls
``intake_submit``; triage runs in the same transaction, as the ticket's lifecycle says
(tickets/lifecycle.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import lifecycle, policy
from tickets.address import Place, address_resolve, place_fields, place_from_code
from tickets.attachments import SNIFF_BYTES, attachment_add, image_inspect, video_inspect
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.masking import mask_phone
from tickets.models import (
    Attachment,
    ClassifierModel,
    Customer,
    Device,
    FaultCategory,
    IntakeRecord,
    OneTimeCode,
    ProductModel,
    ServiceMode,
    Ticket,
    TriageCorrection,
    TriageResult,
)
from tickets.otp import otp_consume
from tickets.reference import fault_category_by_code
from tickets.services import (
    customer_upsert,
    device_normalize_serial,
    device_register,
    ticket_create,
    ticket_event_add,
    ticket_number_next,
    ticket_triage,
)
from tickets.triage.model import FORMAT, Prediction, corpus_samples, model_for
from tickets.validators import normalize_imei, normalize_phone

from .routing import route_ticket
from .selectors import (
    classifier_active,
    classifier_samples,
    device_find_by_serial,
    device_history_codes,
    duplicate_find,
    training_samples_from_tickets,
)
from .taxonomy import product_line_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

MAX_FILES = 9
TICKET_NUMBER_RE = re.compile(r"\b" + re.escape(settings.TICKET_NUMBER_PREFIX) + r"\d{8}-\d{6}\b")


@dataclass
class IntakeFile:
    """One uploaded file as bytes (form upload, API base64, e-mail part)."""

    name: str
    data: bytes
    content_type: str = ""
    # None: an image or a video, by type (what customers upload); "document" for e-mail parts
    # such as PDF invoices, which are kept as files without image checks.
    kind: str | None = None


@dataclass
class IntakeResult:
    ticket: Ticket
    outcome: str  # IntakeRecord.Outcome
    replayed: bool = False
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_duplicate(self) -> bool:
        return self.outcome == IntakeRecord.Outcome.DUPLICATE


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _check_files(files: list[IntakeFile], errors: dict[str, list[str]]) -> None:
    """Validate every file before anything is created (attachment_add checks again when storing)."""
    if len(files) > MAX_FILES:
        errors.setdefault("files", []).append(_("最多上传 %(n)d 个文件。") % {"n": MAX_FILES})
        return
    for f in files:
        guessed = f.content_type or mimetypes.guess_type(f.name)[0] or ""
        try:
            if f.kind == Attachment.Kind.DOCUMENT:
                if not f.data:
                    raise ValidationFailed(_("文件为空。"))
                if len(f.data) > settings.ATTACHMENT_MAX_VIDEO_BYTES:
                    raise ValidationFailed(_("文件过大。"))
            elif guessed.startswith("video/"):
                video_inspect(f.data[:SNIFF_BYTES], size=len(f.data))
            else:
                image_inspect(f.data)
        except ValidationFailed as exc:
            errors.setdefault("files", []).append(f"{f.name}: {exc.message}")


def _file_kind(f: IntakeFile) -> str:
    if f.kind:
        return f.kind
    guessed = f.content_type or mimetypes.guess_type(f.name)[0] or ""
    return Attachment.Kind.VIDEO if guessed.startswith("video/") else Attachment.Kind.IMAGE


def classify(*, text: str, product_category: str | None = None, history: list[str] | None = None,
             hint: str | None = None, explain: bool = True) -> tuple[Prediction, int | None]:
    """Classify free text with the active model (training one from the committed corpus on first
    use), combined with the product line of ``product_category``, the device's earlier leaf codes
    (``history``) and a guided diagnosis's suggested leaf (``hint``). ``Prediction.confident`` is
    set against ``TRIAGE_MIN_CONFIDENCE``."""
    version, model = classifier_active()
    if model is None:
        trained = classifier_train()
        version, model = classifier_active()
        version = version or trained.pk
    prediction = model.predict(text, product_line=product_line_for(product_category), history=history or (),
                               hint=hint, explain=explain)
    prediction.confident = prediction.code is not None and prediction.confidence >= settings.TRIAGE_MIN_CONFIDENCE
    return prediction, version


def intake_submit(
    *,
    channel: str,
    phone: str,
    description: str,
    name: str = "",
    email: str = "",
    product_model: ProductModel | None = None,
    serial: str = "",
    purchase_date: dt.date | None = None,
    fault_category: FaultCategory | None = None,
    title: str = "",
    service_mode: str = "",
    province: str = "",
    city: str = "",
    district: str = "",
    address: str = "",
    division_code: str = "",
    latitude: Any = None,
    longitude: Any = None,
    files: list[IntakeFile] | None = None,
    external_id: str = "",
    by: AbstractBaseUser | None = None,
    otp_code: str = "",
    deferred: bool = False,
) -> IntakeResult:
    """Turn one report from any channel into exactly one well-formed ticket, or a link to an open one.

    Guarantees: the customer is matched by normalized phone and the device by serial/IMEI; every
    input (phone, e-mail, IMEI/serial, dates, description, files) is validated before anything is
    written, and all writes happen in one transaction, so bad input raises ValidationFailed with
    ``extra["fields"]`` (localized messages per field) and creates nothing. A report on a device
    with an open ticket of the same fault category within ``TICKET_DUPLICATE_WINDOW_DAYS`` adds a
    customer-visible event and the files to that ticket instead (outcome ``duplicate``). With an
    ``external_id`` (Idempotency-Key, order id, Message-ID) a retry returns the first result
    (``replayed=True``) and writes nothing. The new ticket is classified and routed in the same
    transaction (``tickets.lifecycle.after_create``).

    A report from an anonymous channel (``by`` is None) proves nothing about the customer its phone
    belongs to: it never changes an existing customer and its name and e-mail stay on the ticket
    (``reported_contact``). It joins an open ticket only when the reporter proved the phone with the
    SMS code sent to it (``otp_code``, verified beforehand with ``otp_verify``; used up here in the
    same transaction) and that phone is the ticket customer's; otherwise it opens its own ticket,
    flagged for staff as a possible duplicate, and learns nothing about the other ticket. A code that
    is not valid raises ValidationFailed (field ``otp_code``) and nothing is written.

    ``deferred=True`` (the REST intake) answers first: the new ticket carries the category given or
    predicted, the price range and the 三包 preview when the answer is sent, while its SLA clock,
    triage, routing, dispatch and webhooks follow in a worker (``tickets.lifecycle``).
    """
    files = list(files or [])
    if external_id and files:
        # A retry with files is answered before any file is stored. Without files nothing is looked
        # up first (nearly every report is new): the record's unique key stops a retry at the end of
        # the transaction, which rolls back all it wrote, and the first result is answered then.
        record = IntakeRecord.objects.filter(channel=channel, external_id=external_id).first()
        if record is not None:
            return _replay(record)

    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请描述故障现象。")]
    normalized_phone = ""
    try:
        normalized_phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = _messages(exc)
    name = (name or "").strip()
    if normalized_phone and not name and not Customer.objects.filter(phone=normalized_phone).exists():
        errors["name"] = [_("请填写姓名。")]
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("请输入有效的邮箱地址。")]
    today = timezone.localdate()
    if purchase_date and purchase_date > today:
        errors["purchase_date"] = [_("购买日期不能晚于今天。")]
    device: Device | None = None
    serial = (serial or "").strip()
    if re.fullmatch(r"[\d\s\-/]+", serial):  # IMEI typed with spaces or dashes
        serial = re.sub(r"[\s\-/]", "", serial)
    if serial:
        if product_model is not None:
            try:
                device_normalize_serial(product_model=product_model, serial=serial)
            except ValidationError as exc:
                errors["serial"] = _messages(exc)
        else:
            device = device_find_by_serial(serial)
            if device is None:
                if serial.replace(" ", "").isdigit():
                    try:
                        normalize_imei(serial)
                    except ValidationError as exc:
                        errors["serial"] = _messages(exc)
                if "serial" not in errors:
                    errors["product_model"] = [_("未找到该序列号的登记记录，请选择产品型号。")]
            else:
                product_model = device.product_model
    place = _check_place(division_code=division_code, province=province, city=city, district=district,
                         address=address, latitude=latitude, longitude=longitude, service_mode=service_mode,
                         errors=errors)
    if place is not None and place.is_placed:
        province, city, district = place.province, place.city, place.district
    _check_files(files, errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, extra={"fields": errors})

    # The day's number is taken before the transaction, in a statement that commits at once: taken
    # inside, the day's counter row would stay locked until the report commits, and every parallel
    # report would queue behind it. A report that fails, joins an open ticket or is a retry leaves
    # its number unused, a gap in the day's numbers (as with database sequences). Inside a caller's
    # own transaction the counter stays locked until that ends anyway: the number is taken with the
    # ticket, and a retry's rolled-back attempt gives it back.
    number = None if connection.in_atomic_block else ticket_number_next()
    # A parallel intake may register the same customer or device between our read and our insert;
    # the unique constraints stop the second writer, and one retry then finds the committed rows
    # (and, for the same device and fault, the ticket to link to).
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _intake_write(
                    channel=channel, phone=normalized_phone, description=description, name=name, email=email,
                    product_model=product_model, serial=serial, purchase_date=purchase_date,
                    fault_category=fault_category, title=title, service_mode=service_mode, province=province,
                    city=city, district=district, address=address, latitude=latitude, longitude=longitude,
                    place=place, files=files, external_id=external_id, by=by, otp_code=otp_code,
                    deferred=deferred, number=number,
                )
        except IntegrityError:
            if external_id:  # a parallel retry with the same key won the race
                record = (IntakeRecord.objects.select_related("ticket")
                          .filter(channel=channel, external_id=external_id).first())
                if record is not None:
                    return _replay(record)
            if attempt:
                raise
        except ValidationError as exc:  # raised by the hub's services after our own checks
            fields = getattr(exc, "message_dict", {"__all__": exc.messages})
            raise ValidationFailed(exc.messages[0],
                                   extra={"fields": {k: [str(m) for m in v] for k, v in fields.items()}})
    raise AssertionError("unreachable")  # pragma: no cover


def _check_place(*, division_code: str, province: str, city: str, district: str, address: str, latitude: Any,
                 longitude: Any, service_mode: str, errors: dict[str, list[str]]) -> Place | None:
    """The customer's place, parsed from what they typed (a picked division wins). A region typed or
    picked that cannot be placed is an error, and so is an on-site visit to an unknown place; with no
    address at all the customer's stored one is used later."""
    division_code = (division_code or "").strip()
    if not (division_code or province or city or district or address):
        return None
    place = address_resolve(code=division_code, province=province, city=city, district=district,
                            address=address, latitude=latitude, longitude=longitude)
    if division_code and not place_from_code(division_code):
        errors["division_code"] = [_("所选地区无效，请重新选择省/市/区。")]
    elif not place.is_placed and (province or city or district):
        typed = "".join(v.strip() for v in (province, city, district) if v)
        if place.district and not place.province:
            message = _("“%(text)s”在多个城市都有，请选择省/市/区或填写城市。") % {"text": typed}
        else:
            message = _("无法识别“%(text)s”所在的省/市/区，请从列表中选择。") % {"text": typed}
        errors["city"] = [message]
    elif not place.is_placed and service_mode == ServiceMode.ON_SITE:
        errors["city"] = [_("上门服务请选择所在的省/市/区。")]
    return place


def _intake_write(*, channel: str, phone: str, description: str, name: str, email: str,
                  product_model: ProductModel | None, serial: str, purchase_date: dt.date | None,
                  fault_category: FaultCategory | None, title: str, service_mode: str, province: str, city: str,
                  district: str, address: str, latitude: Any, longitude: Any, place: Place | None,
                  files: list[IntakeFile], external_id: str, by: AbstractBaseUser | None,
                  otp_code: str = "", deferred: bool = False, number: str | None = None) -> IntakeResult:
    located = place_fields(place) if place is not None and place.is_placed else {}
    customer_fields = {k: v for k, v in {"email": email, "province": province, "city": city, "district": district,
                                           "address": address, "latitude": latitude,
                                           "longitude": longitude, **located}.items() if v not in (None, "")}
    if otp_code:
        otp_consume(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=phone, code=otp_code)
    anonymous = by is None and not otp_code
    customer = customer_upsert(name=name, phone=phone, fill_blanks=not anonymous, caller_retries=True,
                               **customer_fields)
    device = None
    if serial and product_model is not None:
        device = device_register(product_model=product_model, serial=serial, owner=customer,
                                 purchase_date=purchase_date)

    category_id = fault_category.pk if fault_category else None
    predicted: tuple[FaultCategory, float] | None = None
    if category_id is None:
        # Only the leaf is kept here; the triage classifies again and explains its choice to staff.
        prediction, _version = classify(text=description, explain=False,
                                        product_category=product_model.category if product_model else None)
        if prediction.confident:
            predicted_category = fault_category_by_code(prediction.code)
            if predicted_category is not None:
                category_id = predicted_category.pk
                predicted = (predicted_category, round(prediction.confidence, 4))
    existing = duplicate_find(device=device, fault_category_id=category_id) if device else None
    possible_duplicate = None
    if existing is not None and (existing.customer_id != customer.pk or anonymous):
        # An IMEI is printed on the box and the receipt, and a phone number is no secret either:
        # knowing them proves nothing. Only the ticket's customer, proven by the SMS code to that
        # phone (or staff), joins the open ticket; anyone else gets their own ticket, which staff see
        # flagged, and learns nothing about the other one.
        existing, possible_duplicate = None, existing

    if existing is not None:
        ticket = existing
        ticket_event_add(
            ticket=ticket, kind="ticket.duplicate_report", by=by, customer_visible=True,
            message=_("收到同一设备的重复报修（%(channel)s），已合并到本工单：%(text)s")
            % {"channel": dict(Ticket._meta.get_field("channel").choices).get(channel, channel),
               "text": description[:200]},
            payload={"channel": channel, "description": description, "external_id": external_id},
        )
        outcome = IntakeRecord.Outcome.DUPLICATE
    else:
        ticket = ticket_create(
            customer=customer, description=description, channel=channel, by=by, device=device,
            product_model=product_model, fault_category=fault_category, title=title, service_mode=service_mode,
            address=address, province=province, city=city, district=district,
            division_code=place.code if place is not None else "", latitude=latitude, longitude=longitude,
            # Stored with the ticket (not only by the triage) so that a parallel report on the same
            # device already sees this ticket's fault category and links to it.
            predicted_category=predicted[0] if predicted else None,
            prediction_confidence=predicted[1] if predicted else None,
            reported_contact={"name": name, "email": email} if by is None else None,
            deferred=deferred, number=number,
        )
        if possible_duplicate is not None:
            Ticket.objects.filter(pk=ticket.pk).update(duplicate_of=possible_duplicate)
            ticket.duplicate_of = possible_duplicate
            ticket_event_add(
                ticket=ticket, kind="ticket.possible_duplicate", by=by, customer_visible=False,
                message=_("同一设备、同类故障已有处理中的工单 %(number)s，但报修人未经短信验证为该工单的客户，"
                          "请核实是否重复。")
                % {"number": possible_duplicate.number},
                payload={"possible_duplicate_of": possible_duplicate.pk},
            )
        outcome = IntakeRecord.Outcome.CREATED
    if external_id:
        # The sender's key is claimed before any file is stored: a parallel retry waits here for this
        # transaction and, once it has committed, is answered with its result without writing the
        # files again (storage is not rolled back with the rows).
        IntakeRecord.objects.create(channel=channel, external_id=external_id, ticket=ticket, outcome=outcome)
    for f in files:
        attachment_add(ticket=ticket, file=f.data, filename=f.name, by=by, content_type=f.content_type,
                       kind=_file_kind(f), purpose=Attachment.Purpose.REPORT)
    return IntakeResult(ticket=ticket, outcome=outcome, message=_outcome_message(ticket, outcome))


def _outcome_message(ticket: Ticket, outcome: str) -> str:
    if outcome == IntakeRecord.Outcome.DUPLICATE:
        # Never name the ticket: the answer may reach whoever typed the phone and the IMEI.
        return _("您已有处理中的同类报修，本次信息已合并，进度链接已通过短信发送至 %(phone)s。") % {
            "phone": mask_phone(ticket.customer.phone)}
    if outcome == IntakeRecord.Outcome.FOLLOW_UP:
        return _("已将您的补充信息添加到工单 %(number)s。") % {"number": ticket.number}
    return _("已创建工单 %(number)s。") % {"number": ticket.number}


def _replay(record: IntakeRecord) -> IntakeResult:
    return IntakeResult(ticket=record.ticket, outcome=record.outcome, replayed=True,
                        message=_outcome_message(record.ticket, record.outcome))


def intake_follow_up(
    *,
    ticket: Ticket,
    channel: str,
    message: str,
    files: list[IntakeFile] | None = None,
    external_id: str = "",
    customer_visible: bool = True,
    sender: str = "",
    by: AbstractBaseUser | None = None,
) -> IntakeResult:
    """Add a customer's follow-up (a reply e-mail, an app message) to an existing ticket.

    Writes a ``ticket.customer_message`` event and stores the files, in one transaction; idempotent by
    ``external_id``, also for the same message delivered twice at once (the files are stored once).
    Raises ValidationFailed for an empty message without files or bad files; nothing is stored then.
    """
    files = list(files or [])
    if external_id:
        record = IntakeRecord.objects.select_related("ticket").filter(channel=channel, external_id=external_id).first()
        if record is not None:
            return _replay(record)
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if not message and not files:
        errors["description"] = [_("补充内容不能为空。")]
    _check_files(files, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], extra={"fields": errors})
    try:
        with transaction.atomic():
            if external_id:
                # Claimed before anything is stored, as at intake: the parallel delivery waits here.
                IntakeRecord.objects.create(channel=channel, external_id=external_id, ticket=ticket,
                                            outcome=IntakeRecord.Outcome.FOLLOW_UP)
            ticket_event_add(ticket=ticket, kind="ticket.customer_message", by=by, customer_visible=customer_visible,
                             message=message or _("客户补充了附件"),
                             payload={"channel": channel, "sender": sender, "external_id": external_id})
            for f in files:
                attachment_add(ticket=ticket, file=f.data, filename=f.name, by=by, content_type=f.content_type,
                               kind=_file_kind(f), purpose=Attachment.Purpose.EMAIL if channel == "email"
                               else Attachment.Purpose.REPORT, customer_visible=customer_visible)
    except IntegrityError:
        # The same message, delivered in parallel, was added first: answer with it.
        record = (IntakeRecord.objects.select_related("ticket").filter(channel=channel, external_id=external_id).first()
                  if external_id else None)
        if record is None:
            raise
        return _replay(record)
    return IntakeResult(ticket=ticket, outcome=IntakeRecord.Outcome.FOLLOW_UP,
                        message=_outcome_message(ticket, IntakeRecord.Outcome.FOLLOW_UP))


# ---------------------------------------------------------------------------------------------
# Triage
# ---------------------------------------------------------------------------------------------

def triage_run(*, ticket_id: int, ticket: Ticket | None = None) -> TriageResult | None:
    """Classify a new ticket, store the prediction and, when confident (or the category was given
    at intake), triage it with its route (department, service mode, service center).

    Below ``TRIAGE_MIN_CONFIDENCE`` the ticket stays ``new`` and enters the triage queue
    (``needs_review``). Idempotent: a ticket already past ``new`` or already classified is left
    alone. Triage is a system action (``by=None``) run by the lifecycle right after creation; the
    given ``ticket`` (the creator's instance) is moved in place. ``ticket_triage`` sends
    ``ticket_transitioned`` after commit, which dispatch listens to. Returns the result or None for
    a missing ticket.
    """
    if ticket is None:
        ticket = (Ticket.objects.select_related("product_model", "customer", "fault_category")
                  .filter(pk=ticket_id).first())
    if ticket is None or TriageResult.objects.filter(ticket_id=ticket_id).exists():
        return None
    product_category = ticket.product_model.category if ticket.product_model_id else None
    prediction, version = classify(text=f"{ticket.title} {ticket.description}" if ticket.title
                                   and ticket.title not in ticket.description else ticket.description,
                                   product_category=product_category,
                                   history=device_history_codes(device_id=ticket.device_id, exclude_ticket_id=ticket.pk))
    by_code = {c.code: c for c in FaultCategory.objects.filter(code__in=[c for c, _p in prediction.ranked],
                                                                 is_active=True)}
    predicted = by_code.get(prediction.code) if prediction.code else None
    threshold = settings.TRIAGE_MIN_CONFIDENCE
    given = ticket.fault_category
    confident = predicted is not None and prediction.confident
    category = given or (predicted if confident else None)
    with transaction.atomic():
        result = TriageResult.objects.create(
            ticket=ticket, predicted_category=predicted, confidence=round(prediction.confidence, 4),
            candidates=[{"code": code, "name": by_code[code].name if code in by_code else code, "p": round(p, 4)}
                        for code, p in prediction.ranked],
            tokens=prediction.tokens[:60], model_version=version, explanation=prediction.explanation,
            context=prediction.context,
            auto_triaged=category is not None and given is None,
            needs_review=category is None,
        )
        Ticket.objects.filter(pk=ticket.pk).update(predicted_category=predicted,
                                                   prediction_confidence=result.confidence)
        ticket.predicted_category, ticket.prediction_confidence = predicted, result.confidence
        label = predicted.name if predicted else _("无法判断")
        words = "、".join(item["feature"] for item in prediction.explanation[:4])
        ticket_event_add(
            ticket=ticket, kind="ticket.classified", customer_visible=False,
            message=_("自动分类：%(cat)s（置信度 %(p).0f%%）") % {"cat": label, "p": prediction.confidence * 100}
            + (_("，依据：%(words)s") % {"words": words} if words else "")
            + ("" if category else _("，低于阈值，进入人工分类队列")),
            payload={"candidates": result.candidates, "model_version": version, "threshold": threshold,
                     "explanation": prediction.explanation},
        )
        if category is not None and ticket.status == Ticket.Status.NEW:
            route = route_ticket(ticket=ticket, category=category)
            ticket_triage(
                ticket=ticket, by=None, fault_category=category,
                message=_("已归类为“%(cat)s”，由%(dept)s处理") % {"cat": category.name,
                                                         "dept": dict(ticket._meta.get_field("department")
                                                                      .choices).get(route.department, "")},
                **route.as_updates(),
            )
        if category is not None:
            lifecycle.after_categorized(ticket=ticket, category_code=category.code, previous_code=None, by=None)
    return result


def triage_correct(*, ticket: Ticket, fault_category: FaultCategory, by: AbstractBaseUser) -> Ticket:
    """An agent sets the category of a ticket in the triage queue (or corrects a triaged one).

    Records who changed it from what to what (a training sample for the next retrain), clears
    ``needs_review`` and, for a new ticket, triages it with its route. Raises PermissionDeniedError
    without ``tickets.triage_ticket``, ValidationFailed for a non-leaf or inactive category, and
    InvalidTransition/ConflictError from the FSM; nothing changes then.
    """
    if not policy.can(by, "tickets.triage_ticket"):
        raise PermissionDeniedError(_("您没有分类工单的权限。"))
    policy.require(by, "tickets.triage_ticket", ticket)
    if not fault_category.is_active or fault_category.children.filter(is_active=True).exists():
        raise ValidationFailed(_("请选择具体的故障分类（末级分类）。"))
    with transaction.atomic():
        from_category = ticket.fault_category or ticket.predicted_category
        previous_code = ticket.fault_category.code if ticket.fault_category_id else None
        TriageCorrection.objects.create(ticket=ticket, from_category=from_category, to_category=fault_category,
                                        corrected_by=by)
        TriageResult.objects.update_or_create(
            ticket=ticket,
            defaults={"needs_review": False, "reviewed_by": by, "reviewed_at": timezone.now()},
            create_defaults={"needs_review": False, "reviewed_by": by, "reviewed_at": timezone.now(),
                             "predicted_category": ticket.predicted_category,
                             "confidence": ticket.prediction_confidence or 0.0},
        )
        lifecycle.after_categorized(ticket=ticket, category_code=fault_category.code, previous_code=previous_code,
                                    by=by)
        if ticket.status == Ticket.Status.NEW:
            route = route_ticket(ticket=ticket, category=fault_category)
            return ticket_triage(
                ticket=ticket, by=by, fault_category=fault_category,
                message=_("人工分类为“%(cat)s”") % {"cat": fault_category.name}, **route.as_updates(),
            )
        if not ticket.is_open:
            raise ValidationFailed(_("已结束的工单不能再更改分类。"))
        if ticket.fault_category_id == fault_category.pk:
            # A second agent agreeing with the category: nothing moves, but the agreement is what
            # lets the ticket teach the model (see training_samples_from_tickets).
            ticket_event_add(ticket=ticket, kind="ticket.triage_confirmed", by=by,
                             message=_("确认分类“%(cat)s”") % {"cat": fault_category.name},
                             payload={"to": fault_category.code})
            return ticket
        if ticket.status == Ticket.Status.TRIAGED:
            ticket.service_mode = ""  # the new category's mode, not the one the old category chose
        route = route_ticket(ticket=ticket, category=fault_category)
        updates = {"fault_category": fault_category, "department": route.department}
        if ticket.status == Ticket.Status.TRIAGED:
            # Not yet with a technician: the new category's service mode and centre apply.
            updates.update(service_mode=route.service_mode, service_center=route.service_center)
        Ticket.objects.filter(pk=ticket.pk).update(**updates, updated_at=timezone.now())
        for key, value in updates.items():
            setattr(ticket, key, value)
        ticket_event_add(ticket=ticket, kind="ticket.recategorized", by=by,
                         message=_("分类由“%(old)s”更正为“%(new)s”，转%(dept)s处理")
                         % {"old": from_category.name if from_category else "-", "new": fault_category.name,
                            "dept": dict(Ticket._meta.get_field("department").choices).get(route.department, "")},
                         payload={"from": from_category.code if from_category else None, "to": fault_category.code,
                                  "department": route.department})
    return ticket


# ---------------------------------------------------------------------------------------------
# Classifier training
# ---------------------------------------------------------------------------------------------

def classifier_train(*, include_corpus: bool = True) -> ClassifierModel:
    """Train a new model on the committed corpus plus the confirmed samples from tickets (resolved
    tickets' categories and corrections two agents agree on, see ``training_samples_from_tickets``),
    store what it was trained on and make it the active one (the previous stays for reference).

    The row keeps the samples from tickets, not fitted weights: every process fits the same model
    from them (``classifier_active``). Scheduled daily by django-q2
    (``tickets.intake.tasks.classifier_retrain``) and run on demand from the admin. Returns the new
    row. ``include_corpus`` is kept for callers of the earlier signature; the corpus is always used.
    """
    from_tickets = training_samples_from_tickets()
    params = {"format": FORMAT, "kind": "tfidf-char/family-svm+line-svm+intent-svm",
              "extra": [[text, code, 1.0] for text, code in from_tickets]}
    model = model_for(classifier_samples(params))
    with transaction.atomic():
        ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        row = ClassifierModel.objects.create(
            is_active=True, sample_count=len(corpus_samples()) + len(from_tickets),
            ticket_sample_count=len(from_tickets), vocabulary_size=len(model.feature_names), params=params,
        )
        # Keep the last few models only.
        stale = list(ClassifierModel.objects.order_by("-id").values_list("pk", flat=True)[5:])
        if stale:
            ClassifierModel.objects.filter(pk__in=stale).delete()
    return row
