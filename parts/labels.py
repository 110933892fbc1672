"""Signed QR labels for serialized units (防止以次充好).

The QR payload is ``django.core.signing`` output over ``{"s": serial, "k": sku, "n": label nonce}``
with a salt of its own, so only this system can issue a label that verifies; the nonce changes when a
label is reprinted, which revokes the old one.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from django.core import signing
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from .models import SerialUnit

LABEL_SALT = "parts.serial-label.v1"
_CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
]


def label_payload(unit: SerialUnit) -> str:
    """The signed text encoded in the unit's QR code."""
    return signing.Signer(salt=LABEL_SALT).sign_object({"s": unit.serial, "k": unit.part.sku, "n": unit.label_nonce})


def label_payload_read(payload: str) -> dict:
    """Verify and decode a scanned payload; raises ``signing.BadSignature`` for anything not issued here."""
    data = signing.Signer(salt=LABEL_SALT).unsign_object((payload or "").strip())
    if not isinstance(data, dict) or not {"s", "k", "n"} <= data.keys():
        raise signing.BadSignature("payload shape")
    return data


@lru_cache(maxsize=4)
def _font(size: int):
    for path in _CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def label_png(unit: SerialUnit, *, box_size: int = 6) -> bytes:
    """A PNG label: the QR code with the SKU, the part name and the serial printed under it."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(label_payload(unit))
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    text_h = 3 * (box_size * 3 + 4)
    image = Image.new("RGB", (max(code.width, 300), code.height + text_h), "white")
    image.paste(code, ((image.width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    font = _font(box_size * 3)
    y = code.height
    for line in (unit.part.sku, unit.part.name[:18], f"SN {unit.serial}"):
        draw.text((8, y), line, fill="black", font=font)
        y += box_size * 3 + 4
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def label_png_data_uri(unit: SerialUnit) -> str:
    return "data:image/png;base64," + base64.b64encode(label_png(unit, box_size=4)).decode()
