from __future__ import annotations

import io

import pytest
from django.core import signing
from PIL import Image

from parts.exceptions import SerialScanRejected
from parts.labels import LABEL_SALT, label_payload, label_png
from parts.services import (
    reservation_consume,
    reservation_create,
    serial_unit_label_reissue,
    serial_unit_scan,
    serial_units_receive,
)
from tests import factories
from tickets.exceptions import ValidationFailed


@pytest.fixture
def fits(db):
    return factories.ProductModelFactory(code="PM-P60", name="P60")


@pytest.fixture
def unit(db, location, fits):
    part = factories.PartFactory(sku="SCR-S1", name="P60 屏幕", is_serialized=True)
    part.compatible_models.add(fits)
    return serial_units_receive(part=part, location=location, serials=["S1-0001", "S1-0002"], by=None)[0]


def reason_of(payload, **kwargs):
    with pytest.raises(SerialScanRejected) as err:
        serial_unit_scan(payload=payload, **kwargs)
    return err.value.reason, str(err.value)


def test_genuine_label_scans(unit, fits, location):
    scanned = serial_unit_scan(payload=label_payload(unit), product_model=fits, location=location)
    assert scanned == unit
    assert scanned.last_scanned_at is not None


def test_forged_label_is_rejected(unit):
    data, signature = label_payload(unit).rsplit(":", 1)
    copied = signing.b64_encode(b'{"s":"S1-0002","k":"SCR-S1","n":"x"}').decode()
    assert reason_of(f"{copied}:{signature}")[0] == "forged"
    assert reason_of("S1-0001")[0] == "forged"
    foreign = signing.Signer(key="not-our-key", salt=LABEL_SALT).sign_object(
        {"s": unit.serial, "k": unit.part.sku, "n": unit.label_nonce})
    reason, message = reason_of(foreign)
    assert reason == "forged"
    assert "伪造" in message


def test_unknown_unit_with_valid_signature(unit):
    payload = signing.Signer(salt=LABEL_SALT).sign_object({"s": "NOPE", "k": unit.part.sku, "n": "x"})
    assert reason_of(payload)[0] == "unknown_unit"


def test_reused_label_is_rejected_after_fitting(unit, location):
    r = reservation_create(part=unit.part, location=location, quantity=1, by=None)
    payload = label_payload(unit)
    reservation_consume(reservation=r, by=None, serial_unit=serial_unit_scan(payload=payload))
    reason, message = reason_of(payload)
    assert reason == "reused"
    assert "重复使用" in message


def test_reprinted_label_revokes_the_old_one(unit):
    old = label_payload(unit)
    serial_unit_label_reissue(unit=unit, by=None)
    assert reason_of(old)[0] == "revoked_label"
    assert serial_unit_scan(payload=label_payload(unit)) == unit


def test_wrong_model_and_wrong_location(unit):
    other_model = factories.ProductModelFactory(code="PM-X", name="X")
    reason, message = reason_of(label_payload(unit), product_model=other_model)
    assert reason == "wrong_model"
    assert "不适用" in message
    elsewhere = factories.LocationFactory(code="ELSE")
    assert reason_of(label_payload(unit), location=elsewhere)[0] == "wrong_location"


def test_label_png_is_a_decodable_image(unit):
    png = label_png(unit)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width >= 200


def test_receive_serials_all_or_nothing(unit, location):
    with pytest.raises(ValidationFailed, match="已存在"):
        serial_units_receive(part=unit.part, location=location, serials=["S1-0003", "s1-0001"], by=None)
    with pytest.raises(ValidationFailed, match="重复"):
        serial_units_receive(part=unit.part, location=location, serials=["Z", "z"], by=None)
    assert unit.part.serial_units.count() == 2
    plain = factories.PartFactory(sku="PLAIN")
    with pytest.raises(ValidationFailed):
        serial_units_receive(part=plain, location=location, serials=["Q"], by=None)
