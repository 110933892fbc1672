"""Writes of the ticket hub: the one write path: every change of state, from any interface, goes through these functions.

Every service checks permission and invariants, runs the FSM transition, saves inside
``transaction.atomic()``, appends a ``TicketEvent`` and registers side effects with ``on_commit``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from . import events, guards, lifecycle, policy, realtime
from .address import address_resolve, place_fields
from .events import TRANSITION_EVENTS, event_label
from .exceptions import ConflictError, InvalidTransition, PermissionDeniedError, ValidationFailed
from .lookups import insert_unless_taken
from .models import Customer, Device, FaultCategory, ProductModel, Ticket, TicketEvent, TicketSequence
from .validators import normalize_imei, normalize_phone, normalize_serial

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# transition -> the model permission a user needs to run it (system actions pass ``by=None``)
TRANSITION_PERMISSIONS: dict[str, str] = {
    "triage": "tickets.triage_ticket",
    "assign": "tickets.assign_ticket",
    "release": "tickets.assign_ticket",
    "start": "tickets.work_ticket",
    "wait_customer": "tickets.work_ticket",
    "wait_parts": "tickets.work_ticket",
    "resume": "tickets.work_ticket",
    "submit_qc": "tickets.work_ticket",
    "resolve": "tickets.work_ticket",
    "pass_qc": "tickets.qc_ticket",
    "rework": "tickets.qc_ticket",
    "close": "tickets.close_ticket",
    "cancel": "tickets.close_ticket",
    "reopen": "tickets.triage_ticket",
}
TRANSITIONS = tuple(TRANSITION_PERMISSIONS)


# ---------------------------------------------------------------------------------------------
# Customers and devices
# ---------------------------------------------------------------------------------------------

PLACE_UNIT = ("province", "city", "district", "province_code", "city_code", "district_code", "latitude",
              "longitude")


def _customer_locate(customer: Customer) -> list[str]:
    """Give a customer without codes the codes (and, without a position, the district's centre) of
    their typed address. Returns the fields set."""
    if customer.province_code:
        return []
    place = address_resolve(province=customer.province, city=customer.city, district=customer.district,
                            address=customer.address, latitude=customer.latitude, longitude=customer.longitude)
    if not place.is_placed:
        return []
    fields = place_fields(place, keep_position=customer.latitude is not None)
    for key, value in fields.items():
        setattr(customer, key, value)
    return list(fields)


def customer_upsert(*, name: str, phone: str, fill_blanks: bool = True, caller_retries: bool = False,
                    **fields: Any) -> Customer:
    """Find the customer by normalized phone or create one; fill blank fields from ``fields``.

    With ``fill_blanks=False`` (a report from an anonymous channel) an existing customer is returned
    untouched: whoever knows a phone number must not set that customer's e-mail or address.

    ``caller_retries``: the caller runs its whole transaction again after an IntegrityError (the
    intake does), so a customer a parallel report inserts first needs no savepoint here; a named
    customer is then inserted first, in a statement that yields to a known phone, and only a known
    one is read.

    Raises ValidationError for an invalid phone or name.
    """
    normalized = normalize_phone(phone)
    name = (name or "").strip()
    # The caller's transaction holds the row lock as well as a block of our own would (and costs no
    # savepoint); nothing before the insert writes, so an error raised below leaves it usable.
    block = contextlib.nullcontext() if connection.in_atomic_block else transaction.atomic()
    with block:
        if name and caller_retries:
            # Most reports come from someone new: their row is written in one statement that does
            # nothing when the phone is known, and only then is the known row read (and locked).
            try:
                customer = _customer_new(name=name, phone=normalized, fields=fields)
            except ValidationError:
                customer = None  # not fit as a new row: the known customer's path below decides
            if customer is not None and insert_unless_taken(customer):
                return customer
        customer = Customer.objects.select_for_update().filter(phone=normalized).first()
        if customer is None:
            if not name:
                raise ValidationError({"name": _("请填写姓名。")})
            customer = _customer_new(name=name, phone=normalized, fields=fields)
            if caller_retries:
                customer.save()
                return customer
            try:
                with transaction.atomic():
                    customer.save()
            except IntegrityError:  # created meanwhile by a parallel intake
                customer = Customer.objects.get(phone=normalized)
            return customer
        if not fill_blanks:
            return customer
        changed = []
        # An address is one unit: a customer who has one keeps it whole (names, codes, position).
        has_place = bool(customer.province_code or customer.city or customer.district)
        for key, value in fields.items():
            if has_place and key in PLACE_UNIT:
                continue
            if value not in (None, "") and getattr(customer, key) in (None, ""):
                setattr(customer, key, value)
                changed.append(key)
        if not customer.province_code and (customer.city or customer.district or customer.province):
            changed.extend(_customer_locate(customer))
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
        return customer


def _customer_new(*, name: str, phone: str, fields: dict[str, Any]) -> Customer:
    """An unsaved, validated customer row."""
    customer = Customer(name=name, phone=phone, **fields)
    _customer_locate(customer)
    # The phone is unique in the table (a known one is caught by the insert) and the coordinates are
    # checked here: full_clean would spend a query on each.
    _check_coordinates(customer)
    # The table's constraints are those coordinate ranges: Django would check each with a query of
    # its own (the database still enforces them).
    customer.full_clean(exclude=["phone", "latitude", "longitude"], validate_constraints=False)
    return customer


def _check_coordinates(customer: Customer) -> None:
    errors = {}
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = getattr(customer, name)
        if value is None:
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[name] = [_("坐标无效。")]
            continue
        if not -bound <= number <= bound:
            errors[name] = [_("坐标超出范围。")]
        else:
            setattr(customer, name, number.quantize(Decimal("0.000001")))
    if errors:
        raise ValidationError(errors)


def device_normalize_serial(*, product_model: ProductModel, serial: str) -> str:
    if product_model.uses_imei or product_model.category == "phone":
        digits = "".join(serial.split())  # without any whitespace
        if digits.isdigit():
            return normalize_imei(digits)
    return normalize_serial(serial)


def device_register(
    *,
    product_model: ProductModel,
    serial: str,
    owner: Customer | None = None,
    purchase_date: dt.date | None = None,
    **fields: Any,
) -> Device:
    """Find a device by serial/IMEI or register it. Purchase dates in the future are refused."""
    serial = device_normalize_serial(product_model=product_model, serial=serial)
    today = timezone.localdate()
    for key in ("purchase_date", "invoice_date", "delivered_on", "installed_on"):
        value = purchase_date if key == "purchase_date" else fields.get(key)
        if value and value > today:
            raise ValidationError({key: _("日期不能晚于今天。")})
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(serial_number=serial).first()
        if device is None:
            device = Device(product_model=product_model, serial_number=serial, owner=owner,
                            purchase_date=purchase_date, **fields)
            if device.invoice_date is None and purchase_date:
                device.invoice_date = purchase_date
            device.full_clean()
            device.save()
            return device
        if device.product_model_id != product_model.pk:
            raise ValidationError({"serial": _("该序列号已登记为其他型号（%(model)s）。") % {"model": device.product_model}})
        changed = []
        if owner and device.owner_id is None:
            device.owner = owner
            changed.append("owner")
        if purchase_date and device.purchase_date is None:
            device.purchase_date = purchase_date
            changed.append("purchase_date")
        for key, value in fields.items():
            if value not in (None, "") and getattr(device, key) in (None, ""):
                setattr(device, key, value)
                changed.append(key)
        if changed:
            device.save(update_fields=[*changed, "updated_at"])
        return device


# ---------------------------------------------------------------------------------------------
# Ticket numbers
# ---------------------------------------------------------------------------------------------

def ticket_number_next(*, at: dt.datetime | None = None) -> str:
    """Next number of the day, e.g. ``SR20261122-000123``.

    The counter row is created idempotently and incremented with one UPDATE, which row-locks it
    on PostgreSQL and takes the write lock on SQLite, so parallel creators never share a number.
    Inside a transaction the row stays locked until it ends: every other creator of the day waits
    for the whole of it, and the day's numbers have no gaps. Outside any transaction the statement
    commits at once and creators wait only for it; a number whose ticket is then never written (a
    report that fails or joins an open ticket) is skipped, as the intake does (``intake_submit``).
    """
    day = timezone.localtime(at or timezone.now()).date()
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    # One statement: create the day's row or increment it, and read the value it now holds. Both
    # PostgreSQL and SQLite (3.35+) take ``ON CONFLICT … DO UPDATE … RETURNING``.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, value) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [day],
        )
        value = cursor.fetchone()[0]
    return f"{settings.TICKET_NUMBER_PREFIX}{day:%Y%m%d}-{value:06d}"


# ---------------------------------------------------------------------------------------------
# Events and side effects
# ---------------------------------------------------------------------------------------------

def _event_payload(ticket: Ticket, event: TicketEvent) -> dict[str, Any]:
    return {
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(Ticket.Status(ticket.status).label),
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "label": event_label(event.kind),
            "message": event.message,
            "customer_visible": event.customer_visible,
            "created_at": event.created_at.isoformat(),
        },
    }


def ticket_event_add(
    *,
    ticket: Ticket,
    kind: str,
    by: AbstractBaseUser | None = None,
    message: str = "",
    customer_visible: bool | None = None,
    payload: dict | None = None,
    from_state: str = "",
    to_state: str = "",
) -> TicketEvent:
    """Append a timeline event and, after commit, push customer-visible ones to the live page.

    Other apps' services call this for their own milestones (quote sent, part fitted …). ``kind``
    must be registered (``tickets.events``); its visibility comes from the registry unless the
    registry leaves it to the caller. Raises UnknownEventKind / ValueError on a programming error.
    """
    customer_visible = events.check(kind, customer_visible)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        message=message or event_label(kind),
        customer_visible=customer_visible,
        payload=payload or {},
        from_state=from_state,
        to_state=to_state,
    )
    if customer_visible:
        if lifecycle.may_be_watched(ticket.pk):
            lifecycle.after_commit(realtime.broadcast_ticket_event, ticket.pk, _event_payload(ticket, event))
        lifecycle.customer_event_written(ticket=ticket, event=event)
    return event


def ticket_event_build(
    *,
    ticket: Ticket,
    kind: str,
    by: AbstractBaseUser | None = None,
    message: str = "",
    customer_visible: bool | None = None,
    payload: dict | None = None,
    to_state: str = "",
) -> TicketEvent:
    """An unsaved event checked against the registry, for ``ticket_events_add_many``."""
    return TicketEvent(ticket=ticket, kind=kind, actor=by if getattr(by, "pk", None) else None,
                       message=message or event_label(kind), customer_visible=events.check(kind, customer_visible),
                       payload=payload or {}, to_state=to_state)


def ticket_events_add_many(*, built: list[TicketEvent]) -> list[TicketEvent]:
    """Append many events built by ``ticket_event_build`` in one INSERT (a sweep over many tickets);
    customer-visible ones are pushed and get their messages as ``ticket_event_add`` does."""
    created = TicketEvent.objects.bulk_create(built)
    for event in created:
        if event.customer_visible:
            if lifecycle.may_be_watched(event.ticket_id):
                lifecycle.after_commit(realtime.broadcast_ticket_event, event.ticket_id,
                                       _event_payload(event.ticket, event))
            lifecycle.customer_event_written(ticket=event.ticket, event=event)
    return created


def _check_permission(*, ticket: Ticket, transition: str, by: AbstractBaseUser | None) -> None:
    if by is None:  # system actor: schedules, signals, the customer's own page via its service
        return
    policy.require(by, TRANSITION_PERMISSIONS[transition], ticket,
                   message=_("您没有执行“%(action)s”的权限。") % {"action": transition_label(transition)})


def transition_label(name: str) -> str:
    labels = {
        "triage": _("分类受理"), "assign": _("派工"), "release": _("退回派工"), "start": _("开始处理"),
        "wait_customer": _("等待客户"), "wait_parts": _("等待备件"), "resume": _("继续处理"),
        "submit_qc": _("提交质检"), "pass_qc": _("质检通过"), "rework": _("返工"), "resolve": _("解决"),
        "close": _("关闭"), "cancel": _("取消"), "reopen": _("重开"),
    }
    return labels.get(name, name)


def ticket_available_transitions(*, ticket: Ticket, by: AbstractBaseUser | None) -> list[str]:
    """Transitions allowed now, from this state, for this user and no guard's veto (what the admin
    shows as buttons and the API as available actions)."""
    allowed = []
    memo: dict[str, Any] = {}
    for name in TRANSITIONS:
        if not can_proceed(getattr(ticket, name)):
            continue
        try:
            _check_permission(ticket=ticket, transition=name, by=by)
        except PermissionDeniedError:
            continue
        if guards.guards_refusal(ticket=ticket, transition=name, by=by, memo=memo):
            continue
        allowed.append(name)
    return allowed


def ticket_transition(
    *,
    ticket: Ticket,
    transition: str,
    by: AbstractBaseUser | None,
    message: str = "",
    payload: dict | None = None,
    updates: dict[str, Any] | None = None,
) -> Ticket:
    """Run one transition of the ticket FSM.

    Guarantees: the user may run it (model permission and scope), no registered guard vetoes it
    (an open repair order owns the workshop states), the transition is allowed from the current
    state, field ``updates`` and the state are saved together with a ``TicketEvent`` and the
    reactions of ``tickets.lifecycle.after_transition`` (SLA, estimate, outbox and webhook rows) in
    one transaction; after commit the change is broadcast and ``ticket_transitioned`` is sent.
    Raises InvalidTransition, PermissionDeniedError or ConflictError (another change won the race);
    nothing is changed then.
    """
    if transition not in TRANSITION_PERMISSIONS:
        raise InvalidTransition(_("未知操作：%(name)s") % {"name": transition})
    _check_permission(ticket=ticket, transition=transition, by=by)
    refusal = guards.guards_refusal(ticket=ticket, transition=transition, by=by)
    if refusal:
        raise InvalidTransition(refusal, code="guarded", extra={"state": ticket.status, "transition": transition})
    method = getattr(ticket, transition)
    if not can_proceed(method):
        raise InvalidTransition(
            _("工单 %(number)s 当前为“%(state)s”，不能%(action)s。")
            % {"number": ticket.number, "state": ticket.get_status_display(), "action": transition_label(transition)},
            extra={"state": ticket.status, "transition": transition},
        )
    from_state = ticket.status
    try:
        with transaction.atomic(), lifecycle.holding_messages(ticket.pk):
            for key, value in (updates or {}).items():
                setattr(ticket, key, value)
            method()
            ticket.save()
            kind, visible, _label = TRANSITION_EVENTS[transition]
            event = ticket_event_add(
                ticket=ticket, kind=kind, by=by, message=message, customer_visible=visible,
                payload=payload or {}, from_state=from_state, to_state=ticket.status,
            )
            lifecycle.after_transition(ticket=ticket, transition=transition, from_state=from_state, event=event,
                                       by=by)
    except ConcurrentTransition:
        ticket.refresh_from_db()
        raise ConflictError(
            _("工单 %(number)s 已被他人更新（当前：%(state)s），请刷新后重试。")
            % {"number": ticket.number, "state": ticket.get_status_display()},
            extra={"state": ticket.status},
        )
    return ticket


# ---------------------------------------------------------------------------------------------
# Creating tickets
# ---------------------------------------------------------------------------------------------

def ticket_create(
    *,
    customer: Customer,
    description: str,
    channel: str,
    by: AbstractBaseUser | None = None,
    device: Device | None = None,
    product_model: ProductModel | None = None,
    fault_category: FaultCategory | None = None,
    priority: str | None = None,
    title: str = "",
    service_mode: str = "",
    address: str = "",
    province: str = "",
    city: str = "",
    district: str = "",
    division_code: str = "",
    latitude: Any = None,
    longitude: Any = None,
    created_at: dt.datetime | None = None,
    classify: bool = True,
    predicted_category: FaultCategory | None = None,
    prediction_confidence: float | None = None,
    reported_contact: dict | None = None,
    deferred: bool = False,
    number: str | None = None,
) -> Ticket:
    """Open a ticket with a fresh number and tracking token, and its first timeline event.

    ``classify=False`` leaves the ticket ``new`` for a caller that triages it explicitly (history
    being replayed, fixtures); every intake channel classifies. ``predicted_category`` is the
    intake's own classification, stored with the ticket. ``deferred=True`` answers first: only the
    estimate runs in this transaction; the SLA clock, triage and routing, the messages and the
    webhook rows run in a worker after commit (``tickets.lifecycle``). ``number``: one the caller
    took beforehand with ``ticket_number_next`` outside its transaction; else it is taken here.

    The service place is the given address (a picked ``division_code`` wins over typed names), else
    the customer's; it is stored with its division codes and, without coordinates, the centre of its
    district. Raises ValidationFailed for an empty description. In the same transaction the reactions
    of ``tickets.lifecycle.after_create`` run (SLA clock, classification and routing, estimate, outbox
    and webhook rows); after commit the change is broadcast and ``ticket_created`` is sent.
    """
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("请描述故障现象。"), extra={"fields": {"description": [_("请描述故障现象。")]}})
    if device is not None and product_model is None:
        product_model = device.product_model
    place = _ticket_place(customer=customer, division_code=division_code, province=province, city=city,
                          district=district, address=address, latitude=latitude, longitude=longitude)
    ticket = Ticket(
        customer=customer,
        device=device,
        product_model=product_model,
        description=description,
        title=title or description[:60],
        channel=channel,
        fault_category=fault_category,
        priority=priority or (fault_category.default_priority if fault_category else "normal"),
        department=fault_category.department if fault_category else "",
        service_mode=service_mode or (fault_category.default_service_mode if fault_category else ""),
        address=address or customer.address,
        **place,
        created_by=by if getattr(by, "pk", None) else None,
        predicted_category=predicted_category,
        prediction_confidence=prediction_confidence,
        reported_contact=reported_contact or {},
    )
    if created_at is not None:
        ticket.created_at = created_at
    # Relations are saved instances the caller holds, the uuid is fresh and the price range is empty:
    # checking them would cost a query each, and the table's constraints (the price range) concern
    # fields that are empty here (the database's constraints still apply).
    ticket.full_clean(exclude=["number", "tracking_token", "status", "uuid", "customer", "device",
                               "product_model", "fault_category", "predicted_category", "created_by",
                               "price_min", "price_max"], validate_constraints=False)
    # Validated above, so inside a caller's transaction this block needs no savepoint of its own.
    with transaction.atomic(savepoint=False):
        ticket.number = number or ticket_number_next(at=created_at)
        estimated = lifecycle.before_create(ticket=ticket, deferred=deferred)
        ticket.save()
        with lifecycle.holding_messages(ticket.pk), lifecycle.being_created(ticket.pk):
            built = [ticket_event_build(
                ticket=ticket, kind="ticket.created", by=by, customer_visible=True,
                message=_("工单 %(number)s 已创建（%(channel)s）") % {"number": ticket.number,
                                                                 "channel": ticket.get_channel_display()},
                payload={"channel": channel}, to_state=ticket.status,
            )]
            if estimated:
                built.append(ticket_event_build(
                    ticket=ticket, kind="ticket.estimate", by=by, customer_visible=True,
                    **_estimate_event_fields(ticket.price_min, ticket.price_max, ticket.warranty_preview)))
            ticket_events_add_many(built=built)
            lifecycle.after_create(ticket=ticket, by=by, classify=classify, deferred=deferred)
    return ticket


#: Descriptive fields staff may edit on an open ticket (the state, the technician and the centre
#: move only through transitions and dispatch).
TICKET_EDITABLE_FIELDS = ("channel", "customer", "device", "product_model", "title", "description", "fault_category",
                          "priority", "department", "service_mode", "province", "city", "district", "address",
                          "province_code", "city_code", "district_code", "latitude", "longitude", "resolution")


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "-"
    return str(value)


def ticket_update(*, ticket: Ticket, by: AbstractBaseUser | None, **changes: Any) -> Ticket:
    """Edit descriptive fields of a ticket (what the admin's change form offers).

    Compares with the stored row, saves only what changed, writes one internal ``ticket.updated``
    event listing each change (old → new), and runs ``tickets.lifecycle.after_update`` in the same
    transaction (the SLA is re-matched when category, priority or department changed; the estimate
    when category, product or device changed). A new fault category brings its department unless
    one is given. Raises PermissionDeniedError, ValidationFailed for an unknown field, a closed
    ticket or an invalid value; nothing changes then. Returns the ticket, updated in place.
    """
    policy.require(by, "tickets.change_ticket", ticket, message=_("您没有修改工单的权限。"))
    unknown = sorted(set(changes) - set(TICKET_EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(_("这些字段不能在此修改：%(fields)s") % {"fields": "、".join(unknown)})
    with transaction.atomic():
        current = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if current.status in Ticket.CLOSED_STATES:
            raise ValidationFailed(_("已结束的工单不能再修改。"))
        category = changes.get("fault_category")
        if category is not None and category != current.fault_category and "department" not in changes:
            changes["department"] = category.department
        changed: dict[str, tuple[Any, Any]] = {}
        for name, value in changes.items():
            field = Ticket._meta.get_field(name)
            old = getattr(current, field.attname)
            new = value.pk if field.is_relation and value is not None else value
            if field.is_relation or old is None or new is None:
                differs = old != new
            else:
                differs = field.to_python(old) != field.to_python(new)
            if differs:
                changed[name] = (getattr(current, name), value)
                setattr(current, name, value)
        if not changed:
            return ticket
        try:
            current.full_clean(exclude=[f.name for f in Ticket._meta.fields if f.name not in changed])
        except ValidationError as exc:
            fields = getattr(exc, "message_dict", {"__all__": exc.messages})
            raise ValidationFailed(exc.messages[0], extra={"fields": fields})
        Ticket.objects.filter(pk=current.pk).update(**{name: getattr(current, name) for name in changed},
                                                    updated_at=timezone.now())
        for name in changed:
            setattr(ticket, name, getattr(current, name))

        def label(name: str) -> str:
            return str(Ticket._meta.get_field(name).verbose_name)

        def display(name: str, value: Any) -> str:
            choices = dict(Ticket._meta.get_field(name).flatchoices)
            return _shown(choices.get(value, value))

        ticket_event_add(
            ticket=ticket, kind="ticket.updated", by=by,
            message=_("已修改：%(changes)s") % {"changes": "；".join(
                f"{label(n)} {display(n, old)} → {display(n, new)}" for n, (old, new) in changed.items())},
            payload={"changes": {n: {"from": display(n, old), "to": display(n, new)}
                                 for n, (old, new) in changed.items()}},
        )
        lifecycle.after_update(ticket=ticket, changed=changed, by=by)
    return ticket


def _ticket_place(*, customer: Customer, division_code: str, province: str, city: str, district: str,
                  address: str, latitude: Any, longitude: Any) -> dict[str, Any]:
    """Names, codes and coordinate of a new ticket's service place (see ``ticket_create``)."""
    if not (division_code or province or city or district or address):
        division_code = customer.district_code or customer.city_code or customer.province_code
        province, city, district, address = customer.province, customer.city, customer.district, customer.address
        if latitude is None or longitude is None:
            latitude, longitude = customer.latitude, customer.longitude
    place = address_resolve(code=division_code, province=province, city=city, district=district,
                            address=address, latitude=latitude, longitude=longitude)
    if not place.is_placed:  # keep what was typed, for a person to read
        return {"province": province, "city": city, "district": district, "latitude": place.latitude,
                "longitude": place.longitude}
    return place_fields(place)


def ticket_note_add(
    *, ticket: Ticket, by: AbstractBaseUser | None, message: str, customer_visible: bool = False
) -> TicketEvent:
    """A free-text note on the timeline (internal by default)."""
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(_("备注内容不能为空。"))
    with transaction.atomic():
        return ticket_event_add(ticket=ticket, kind="ticket.note", by=by, message=message,
                                customer_visible=customer_visible)


# Named wrappers: the vocabulary other layers use (ticket_assign, ticket_resolve …).

def ticket_triage(*, ticket: Ticket, by: AbstractBaseUser | None, fault_category: FaultCategory | None = None,
                  message: str = "", **updates: Any) -> Ticket:
    if fault_category is not None:
        updates.setdefault("fault_category", fault_category)
        updates.setdefault("department", fault_category.department)
        if not ticket.service_mode:
            updates.setdefault("service_mode", fault_category.default_service_mode)
    if ticket.fault_category_id is None and "fault_category" not in updates:
        raise ValidationFailed(_("请先选择故障分类。"))
    return ticket_transition(ticket=ticket, transition="triage", by=by, message=message, updates=updates)


def ticket_assign(*, ticket: Ticket, technician: Any, by: AbstractBaseUser | None, message: str = "",
                  payload: dict | None = None) -> Ticket:
    """Assign (or reassign) the lead technician; the ticket follows the technician's center."""
    if not technician.on_duty:
        raise ValidationFailed(_("工程师 %(name)s 当前不在岗。") % {"name": technician.name})
    updates = {"technician": technician, "service_center_id": technician.center_id}
    return ticket_transition(
        ticket=ticket, transition="assign", by=by, updates=updates,
        message=message or _("已安排工程师 %(name)s") % {"name": technician.name},
        payload={"technician_id": technician.pk, **(payload or {})},
    )


def ticket_resolve(*, ticket: Ticket, by: AbstractBaseUser | None, resolution: str = "") -> Ticket:
    return ticket_transition(ticket=ticket, transition="resolve", by=by, message=resolution,
                             updates={"resolution": resolution} if resolution else None)


def ticket_cancel(*, ticket: Ticket, by: AbstractBaseUser | None, reason: str, customer_message: str = "") -> Ticket:
    """Cancel with an internal ``reason`` (staff only) and an optional ``customer_message``, the only
    words of the cancellation the customer reads or receives."""
    if not (reason or "").strip():
        raise ValidationFailed(_("请填写取消原因。"))
    payload = {"customer_message": customer_message.strip()[:200]} if (customer_message or "").strip() else None
    return ticket_transition(ticket=ticket, transition="cancel", by=by, message=reason, payload=payload)


def ticket_reopen(*, ticket: Ticket, by: AbstractBaseUser | None, reason: str) -> Ticket:
    if not (reason or "").strip():
        raise ValidationFailed(_("请填写重开原因。"))
    return ticket_transition(ticket=ticket, transition="reopen", by=by, message=reason)


def ticket_close(*, ticket: Ticket, by: AbstractBaseUser | None, message: str = "") -> Ticket:
    return ticket_transition(ticket=ticket, transition="close", by=by, message=message)


def tickets_lock(ids: Iterable[int]) -> list[Ticket]:
    """Row-lock tickets in id order (avoids deadlocks in bulk services)."""
    return list(Ticket.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))


def ticket_estimate_update(
    *,
    ticket: Ticket,
    price_min: Any = None,
    price_max: Any = None,
    warranty_preview: dict | None = None,
    by: AbstractBaseUser | None = None,
) -> Ticket:
    """Store the price range and/or the 三包 preview shown to the customer.

    Called by the estimators behind ``tickets.intake.estimate.estimate_refresh`` (the intake's own,
    and the price list and 三包 engine of ``repairs``). A customer-visible event is written when the
    preview's verdict changes. Raises ValidationFailed when min > max.
    """
    if price_min is not None and price_max is not None and price_min > price_max:
        raise ValidationFailed(_("价格下限不能高于上限。"))
    with transaction.atomic(savepoint=False):  # nothing below raises but the database itself
        fields = []
        if price_min is not None or price_max is not None:
            ticket.price_min, ticket.price_max = price_min, price_max
            fields += ["price_min", "price_max"]
        changed_verdict = False
        if warranty_preview is not None:
            changed_verdict = (ticket.warranty_preview or {}).get("summary") != warranty_preview.get("summary")
            ticket.warranty_preview = warranty_preview
            fields.append("warranty_preview")
        if not fields:
            return ticket
        Ticket.objects.filter(pk=ticket.pk).update(**{f: getattr(ticket, f) for f in fields},
                                                   updated_at=timezone.now())
        if changed_verdict or "price_min" in fields:
            ticket_event_add(ticket=ticket, kind="ticket.estimate", by=by, customer_visible=True,
                             **_estimate_event_fields(price_min, price_max, warranty_preview))
    return ticket


def _estimate_event_fields(price_min: Any, price_max: Any, warranty_preview: dict | None) -> dict[str, Any]:
    """What the customer is told of an estimate: the 三包 verdict, else that the price was updated."""
    return {"message": (warranty_preview or {}).get("summary", "") or _("已更新预估价格"),
            "payload": {"price_min": str(price_min) if price_min is not None else None,
                        "price_max": str(price_max) if price_max is not None else None}}
