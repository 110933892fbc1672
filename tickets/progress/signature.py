"""Checks on the handwritten signature a customer draws on the quote page, before it is stored."""

from __future__ import annotations

import base64
import binascii
import io

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ..exceptions import ValidationFailed

#: A drawn signature exported from a phone canvas is a few KB to a few hundred KB.
SIGNATURE_MAX_BYTES = 1_500_000
#: At least this many dark pixels: a tap or an empty canvas is not a signature.
SIGNATURE_MIN_INK_PIXELS = 150


def signature_png_from_data_url(value: str) -> bytes:
    """Decode a ``data:image/png;base64,…`` URL and check that it is a PNG with enough ink on it.

    Raises ValidationFailed with a message for the customer.
    """
    prefix = "data:image/png;base64,"
    if not value or not value.startswith(prefix):
        raise ValidationFailed(_("请在签名框内手写签名。"), extra={"field": "signature"})
    if len(value) > SIGNATURE_MAX_BYTES * 4 // 3 + len(prefix) + 4:
        raise ValidationFailed(_("签名图片过大，请清除后重新签名。"), extra={"field": "signature"})
    try:
        data = base64.b64decode(value[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("签名数据无效，请清除后重新签名。"), extra={"field": "signature"})
    if signature_ink_pixels(data) < SIGNATURE_MIN_INK_PIXELS:
        raise ValidationFailed(_("签名过于简单或为空，请完整手写您的姓名。"), extra={"field": "signature"})
    return data


def signature_ink_pixels(data: bytes) -> int:
    """Number of dark, opaque pixels (the strokes) in the image; 0 for something that is no PNG."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or image.width * image.height > 8_000_000:
                return 0
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return 0
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(background, rgba).convert("L")
    histogram = gray.histogram()
    return sum(histogram[:128])
