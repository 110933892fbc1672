"""Real image bytes for upload tests (made with Pillow, no files on disk)."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_with_gps(lat=(31, 13, 49.5), lon=(121, 28, 25.3)) -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    gps = {1: "N", 2: lat, 3: "E", 4: lon}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width=20000, height=20000) -> bytes:
    """A tiny PNG that claims 400 megapixels: refused from its header, before decoding."""
    image = Image.new("1", (width, height))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
