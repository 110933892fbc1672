from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from tests import factories
from tickets.models import FaultCategory


@pytest.fixture
def taxonomy(db):
    """The shipped taxonomy and a classifier trained on the committed corpus (the fitted model is
    cached per process by its inputs, so only the first test pays for the fit)."""
    from tickets.intake.services import classifier_train
    from tickets.intake.taxonomy import taxonomy_sync

    taxonomy_sync()
    classifier_train()
    return {c.code: c for c in FaultCategory.objects.all()}


@pytest.fixture
def phone_model(db):
    return factories.ProductModelFactory(code="P60", name="P60", category="phone", uses_imei=True)


@pytest.fixture
def fridge_model(db):
    return factories.ProductModelFactory(code="BCD-470", brand="海尔", name="BCD-470", category="fridge",
                                         uses_imei=False, list_price=Decimal("3999.00"))


@pytest.fixture
def center(db):
    return factories.ServiceCenterFactory(code="SH01", name="上海浦东服务中心", city="上海市", district="浦东新区",
                                          latitude=Decimal("31.228000"), longitude=Decimal("121.520000"),
                                          service_modes=["walk_in", "on_site", "mail_in"])


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def proven_code(phone: str = "13800138000") -> str:
    """A code sent to ``phone`` and typed back, as the reporter holding that phone does."""
    from tickets.models import OneTimeCode
    from tickets.otp import otp_send, otp_verify

    code = otp_send(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=phone)
    otp_verify(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=phone, code=code)
    return code
