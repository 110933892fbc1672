"""Serialized units: receiving, label reprint, and the genuine-part scan (防止以次充好)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.exceptions import ValidationFailed

from ..exceptions import SerialScanRejected
from ..labels import label_payload_read
from ..models import Location, Part, SerialUnit, StockMovement, _label_nonce
from .stock import require_perm, stock_apply

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def serial_units_receive(*, part: Part, location: Location, serials: list[str], by: AbstractBaseUser | None,
                         reference: str = "") -> list[SerialUnit]:
    """Receive serialized units: one ``SerialUnit`` and one ``receive`` movement per serial.

    All or nothing: raises ``ValidationFailed`` for a non-serialized part, an empty, repeated or
    already known serial, and then nothing is written.
    """
    require_perm(by, "parts.add_serialunit", "parts.add_stockmovement")
    if not part.is_serialized:
        raise ValidationFailed(_("%(sku)s 不是序列号管理备件。") % {"sku": part.sku})
    cleaned = [s.strip().upper() for s in serials]
    if not cleaned or any(not s for s in cleaned):
        raise ValidationFailed(_("序列号不能为空。"), extra={"field": "serials"})
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed(_("序列号重复。"), extra={"field": "serials"})
    known = list(SerialUnit.objects.filter(serial__in=cleaned).values_list("serial", flat=True))
    if known:
        raise ValidationFailed(_("序列号已存在：%(serials)s") % {"serials": ", ".join(known)},
                               extra={"field": "serials", "serials": known})
    units = []
    for serial in cleaned:
        try:
            with transaction.atomic():
                unit = SerialUnit.objects.create(part=part, serial=serial, location=location)
        except IntegrityError:
            raise ValidationFailed(_("序列号已存在：%(serials)s") % {"serials": serial},
                                   extra={"field": "serials", "serials": [serial]})
        stock_apply(part=part, location=location, kind=StockMovement.Kind.RECEIVE, on_hand_delta=1, by=by,
                    reference=reference, serial_unit=unit)
        units.append(unit)
    return units


@transaction.atomic
def serial_unit_label_reissue(*, unit: SerialUnit, by: AbstractBaseUser | None) -> SerialUnit:
    """Give the unit a new label nonce: a reprinted label verifies, the old one is rejected as revoked."""
    require_perm(by, "parts.change_serialunit")
    unit.label_nonce = _label_nonce()
    unit.save(update_fields=["label_nonce", "updated_at"])
    return unit


def _reject(reason: str, message: str, **extra: Any) -> SerialScanRejected:
    return SerialScanRejected(message, reason=reason, extra=extra)


@transaction.atomic
def serial_unit_scan(*, payload: str, product_model: Any = None, location: Location | None = None) -> SerialUnit:
    """Verify a scanned QR label and return its unit, ready to be fitted.

    Proves the unit is genuine (the signature is ours, the unit exists with that SKU and the label is
    the current one), unused (in stock, never fitted), fits ``product_model`` (when given and the part
    lists compatible models) and lies at ``location`` (when given). Otherwise raises
    ``SerialScanRejected`` whose ``reason`` is one of forged, unknown_unit, revoked_label, reused,
    not_available, wrong_model, wrong_location, and whose message says why. Stamps ``last_scanned_at``.
    """
    try:
        data = label_payload_read(payload)
    except signing.BadSignature:
        raise _reject(SerialScanRejected.FORGED, _("标签签名无效：不是本系统签发的备件标签，疑似伪造。"))
    unit = (SerialUnit.objects.select_for_update(of=("self",)).select_related("part", "location")
            .filter(serial=data["s"]).first())
    if unit is None or unit.part.sku != data["k"]:
        raise _reject(SerialScanRejected.UNKNOWN, _("标签对应的备件不存在或与物料编码不符。"), serial=data["s"])
    if unit.label_nonce != data["n"]:
        raise _reject(SerialScanRejected.REVOKED, _("该标签已作废（已重新打印），请使用最新标签。"), serial=unit.serial)
    if unit.status == SerialUnit.Status.FITTED:
        raise _reject(SerialScanRejected.REUSED,
                      _("该备件已于 %(at)s 安装到其他设备，标签被重复使用。")
                      % {"at": timezone.localtime(unit.fitted_at).strftime("%Y-%m-%d %H:%M") if unit.fitted_at
                         else "-"},
                      serial=unit.serial, ticket=unit.fitted_ticket_id)
    if unit.status != SerialUnit.Status.IN_STOCK:
        raise _reject(SerialScanRejected.NOT_AVAILABLE,
                      _("该备件状态为“%(status)s”，不能安装。") % {"status": unit.get_status_display()},
                      serial=unit.serial, status=unit.status)
    if product_model is not None:
        fits = list(unit.part.compatible_models.values_list("pk", flat=True))
        if fits and product_model.pk not in fits:
            raise _reject(SerialScanRejected.WRONG_MODEL,
                          _("备件 %(sku)s 不适用于 %(model)s。") % {"sku": unit.part.sku, "model": product_model},
                          serial=unit.serial, product_model=product_model.pk)
    if location is not None and unit.location_id != location.pk:
        raise _reject(SerialScanRejected.WRONG_LOCATION,
                      _("该备件应在 %(expected)s，而不是 %(actual)s。")
                      % {"expected": unit.location.name if unit.location else "-", "actual": location.name},
                      serial=unit.serial, expected=unit.location_id)
    unit.last_scanned_at = timezone.now()
    unit.save(update_fields=["last_scanned_at", "updated_at"])
    return unit
