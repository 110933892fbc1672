"""Writes of the hub's master data as ops load it: customers, product models, sales records (devices
with their buyer) and the fault taxonomy.

These are services: the import and the admin both end here. The sales-record writes come in
two shapes with one set of rules: ``device_record_check`` (the rules, without writing) and
``devices_register_many`` (a batch written with bulk statements, which is what lets a brand's sales file
of a hundred thousand rows load in seconds). ``tickets.services.device_register`` is the single-device
path of intake and keeps the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import policy
from .lookups import any_of
from .models import Customer, Device, FaultCategory, ProductModel
from .services import _customer_locate, device_normalize_serial

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DEVICE_DATES = ("purchase_date", "invoice_date", "delivered_on", "installed_on")
DEVICE_FILLABLE = ("purchase_date", "invoice_number", "invoice_date", "sales_channel", "seller", "purchase_price",
                   "region_code")


# --- customers ------------------------------------------------------------------------------------

CUSTOMER_FIELDS = ("name", "email", "tier", "province", "city", "district", "address")


@transaction.atomic
def customer_save(*, phone: str, by: AbstractBaseUser | None, **fields: Any) -> Customer:
    """Create a customer or update one found by phone with the given (non-blank) fields: the import's
    and the back office's upsert. The address is placed (省/市/区 codes) when it changes. Raises
    PermissionDeniedError, or ValidationError naming the invalid fields; nothing is saved then."""
    customer = Customer.objects.select_for_update().filter(phone=phone).first()
    policy.require(by, "tickets.change_customer" if customer else "tickets.add_customer")
    values = {k: v for k, v in fields.items() if k in CUSTOMER_FIELDS and v not in (None, "")}
    if customer is None:
        customer = Customer(phone=phone, **values)
    else:
        if any(k in values for k in ("province", "city", "district", "address")):
            # An address is one unit: a new one replaces the old names, codes and position whole.
            for key in ("province", "city", "district", "address", "province_code", "city_code", "district_code"):
                setattr(customer, key, "")
            customer.latitude = customer.longitude = None
        for key, value in values.items():
            setattr(customer, key, value)
    _customer_locate(customer)
    customer.full_clean()
    customer.save()
    return customer


# --- product models -------------------------------------------------------------------------------

@transaction.atomic
def product_model_save(*, product_model: ProductModel, by: AbstractBaseUser | None) -> ProductModel:
    """Create or update a product model from its (unsaved) field values. Raises PermissionDeniedError
    or ValidationError."""
    policy.require(by, "tickets.change_productmodel" if product_model.pk else "tickets.add_productmodel")
    product_model.full_clean()
    product_model.save()
    return product_model


# --- the fault taxonomy ---------------------------------------------------------------------------

@transaction.atomic
def fault_category_save(*, category: FaultCategory, by: AbstractBaseUser | None) -> FaultCategory:
    """Create or update a fault category. A category cannot be its own ancestor. Raises
    PermissionDeniedError or ValidationError."""
    policy.require(by, "tickets.change_faultcategory" if category.pk else "tickets.add_faultcategory")
    parent, seen = category.parent, set()
    while parent is not None and category.pk:
        if parent.pk == category.pk or parent.pk in seen:
            raise ValidationError({"parent": _("上级分类不能是它自己或它的下级。")})
        seen.add(parent.pk)
        parent = parent.parent
    category.full_clean()
    category.save()
    return category


# --- sales records --------------------------------------------------------------------------------

@dataclass
class DeviceRecord:
    """One sales record: the device, its purchase, and its buyer (by phone; a name creates the buyer
    when the phone is new)."""

    product_model: ProductModel
    serial: str
    purchase_date: dt.date | None = None
    buyer_phone: str = ""
    buyer_name: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def device_record_check(*, record: DeviceRecord, existing: Device | None = None,
                        buyer_id: int | None = None, today: dt.date | None = None) -> dict[str, str]:
    """The rules a sales record must meet, as ``{field: message}`` (empty when it may be written):
    the serial is valid for the model (an IMEI for phones), no date lies in the future, a stored serial
    stays with its model and its owner, a new buyer has a name. ``buyer_id`` is the customer with the
    record's buyer phone, if one exists; ``today`` the local date (a batch reads the clock once).
    ``record.serial`` is normalised."""
    errors: dict[str, str] = {}
    try:
        record.serial = device_normalize_serial(product_model=record.product_model, serial=record.serial)
    except ValidationError as exc:
        errors["serial"] = " ".join(exc.messages)
    today = today or timezone.localdate()
    for key in DEVICE_DATES:
        value = record.purchase_date if key == "purchase_date" else record.fields.get(key)
        if value and value > today:
            errors[key] = _("日期不能晚于今天。")
    invoice = record.fields.get("invoice_date")
    if invoice and record.purchase_date and invoice < record.purchase_date - dt.timedelta(days=366):
        errors["invoice_date"] = _("开票日期比购买日期早一年以上，请核对。")
    price = record.fields.get("purchase_price")
    if price is not None and Decimal(price) < 0:
        errors["purchase_price"] = _("价格不能为负数。")
    buyer_error = buyer_check(phone=record.buyer_phone, buyer_id=buyer_id, name=record.buyer_name)
    if buyer_error:
        errors["buyer_phone"] = buyer_error
    if existing is not None:
        errors.update(device_record_conflicts(record=record, existing=existing, buyer_id=buyer_id))
    return errors


def buyer_check(*, phone: str, buyer_id: int | None, name: str) -> str:
    """Why a buyer cannot be linked ("" when they can): a new phone needs a name to create the customer."""
    if phone and buyer_id is None and not (name or "").strip():
        return _("该电话没有登记的客户，请填写买家姓名以便新建客户。")
    return ""


def device_record_conflicts(*, record: DeviceRecord, existing: Device, buyer_id: int | None) -> dict[str, str]:
    """How a record contradicts the stored device with its serial: another model, another owner."""
    if existing.product_model_id != record.product_model.pk:
        return {"serial": _("该序列号已登记为其他型号（%(model)s）。") % {"model": existing.product_model.code}}
    if record.buyer_phone and existing.owner_id is not None and existing.owner_id != buyer_id:
        return {"buyer_phone": _("该设备已登记在另一位客户名下，不能改为此买家。")}
    return {}


def device_record_changes(*, record: DeviceRecord, existing: Device, buyer_id: int | None) -> dict[str, Any]:
    """What a record adds to a stored device: blanks are filled, recorded values stay (a sales file
    must not rewrite a purchase date that a warranty decision rests on)."""
    changes: dict[str, Any] = {}
    if buyer_id is not None and existing.owner_id is None:
        changes["owner_id"] = buyer_id
    if record.purchase_date and existing.purchase_date is None:
        changes["purchase_date"] = record.purchase_date
    changes.update({key: value for key, value in record.fields.items()
                    if value not in (None, "") and getattr(existing, key) in (None, "")})
    return changes


def customer_ids_by_phone(phones: Iterable[str]) -> dict[str, int]:
    """Customer ids by normalised phone (one query, no model instances: a batch has thousands)."""
    phones = [p for p in set(phones) if p]
    if not phones:
        return {}
    return dict(Customer.objects.filter(any_of("phone", phones)).values_list("phone", "pk"))


_DEVICE_FIELDS = {f.name: f for f in Device._meta.concrete_fields}


def _device_clean_given(device: Device, names: Iterable[str]) -> None:
    """``Model.clean_fields`` restricted to the fields a record gives (lengths, choices, digits): the
    same checks and the same ValidationError, without walking every field of the model for each of a
    batch's thousands of devices (the others hold defaults)."""
    errors: dict[str, list[ValidationError]] = {}
    for name in names:
        f = _DEVICE_FIELDS[name]
        raw = getattr(device, f.attname)
        if f.blank and raw in f.empty_values:
            continue
        try:
            setattr(device, f.attname, f.clean(raw, device))
        except ValidationError as exc:
            errors[f.name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def devices_register_many(*, records: list[DeviceRecord], by: AbstractBaseUser | None) -> dict[str, int]:
    """Write a batch of sales records: new buyers and devices with bulk inserts, fills of stored devices
    with one bulk update. Every record is checked with ``device_record_check`` first; if any fails,
    ValidationError (``{index: message}``) is raised and nothing is written. Returns the counts
    ``{"created", "updated", "buyers"}``. Needs the add and change permissions on devices (and on
    customers when a buyer is new)."""
    policy.require(by, "tickets.add_device")
    policy.require(by, "tickets.change_device")
    with transaction.atomic():
        buyers = customer_ids_by_phone(r.buyer_phone for r in records)
        problems: dict[str, str] = {}
        today = timezone.localdate()
        for index, record in enumerate(records):
            errors = device_record_check(record=record, buyer_id=buyers.get(record.buyer_phone), today=today)
            if errors:
                problems[str(index)] = "；".join(errors.values())
        serials = [r.serial for r in records]
        stored = {d.serial_number: d for d in Device.objects.select_for_update().select_related("product_model")
                  .filter(any_of("serial_number", serials))}
        for index, record in enumerate(records):
            existing = stored.get(record.serial)
            if existing is not None:
                errors = device_record_conflicts(record=record, existing=existing,
                                                 buyer_id=buyers.get(record.buyer_phone))
                if errors:
                    problems[str(index)] = "；".join(errors.values())
        if problems:
            raise ValidationError(problems)
        new_buyers: dict[str, Customer] = {}
        for record in records:
            if record.buyer_phone and record.buyer_phone not in buyers and record.buyer_phone not in new_buyers:
                customer = Customer(name=record.buyer_name.strip(), phone=record.buyer_phone)
                customer.clean_fields(exclude=["phone"])
                new_buyers[record.buyer_phone] = customer
        if new_buyers:
            policy.require(by, "tickets.add_customer")
            Customer.objects.bulk_create(list(new_buyers.values()))
            buyers.update(customer_ids_by_phone(new_buyers))
        now = timezone.now()
        creates, updates, update_fields = [], [], set()
        for record in records:
            buyer_id = buyers.get(record.buyer_phone) if record.buyer_phone else None
            existing = stored.get(record.serial)
            if existing is None:
                device = Device(product_model=record.product_model, serial_number=record.serial, owner_id=buyer_id,
                                purchase_date=record.purchase_date, created_at=now, updated_at=now,
                                **record.fields)
                if device.invoice_date is None and record.purchase_date:
                    device.invoice_date = record.purchase_date
                # Only the given values need checking (lengths, choices, digits); the rest are defaults.
                _device_clean_given(device, record.fields)
                creates.append(device)
                stored[record.serial] = device
                continue
            changes = device_record_changes(record=record, existing=existing, buyer_id=buyer_id)
            if changes:
                for key, value in changes.items():
                    setattr(existing, key, value)
                existing.updated_at = now
                update_fields.update(changes)
                updates.append(existing)
        try:
            with transaction.atomic():
                Device.objects.bulk_create(creates)
        except IntegrityError:
            raise ValidationError(_("有序列号刚被其他操作登记，请重新导入该批数据。")) from None
        if updates:
            Device.objects.bulk_update(updates, [*sorted(update_fields), "updated_at"])
    return {"created": len(creates), "updated": len(updates), "buyers": len(new_buyers)}
