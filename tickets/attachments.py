"""Attachment intake: images checked with Pillow, EXIF GPS kept in our record only, videos by type.

``attachment_add`` is the one service every channel (customer form, e-mail, technician API, admin)
uses to store a file on a ticket.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import warnings
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import ValidationFailed
from .models import Attachment, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
                 "HEIF": ("image/heic", "heic"), "GIF": ("image/gif", "gif")}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm", "video/3gpp": "3gp"}


def _gps_to_decimal(values: Any, ref: str) -> Decimal | None:
    try:
        deg, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    result = deg + minutes / 60 + seconds / 3600
    if ref in ("S", "W"):
        result = -result
    return Decimal(f"{result:.6f}")


def _exif_location(image: Image.Image) -> tuple[Decimal | None, Decimal | None]:
    try:
        gps = image.getexif().get_ifd(0x8825)
    except Exception:  # malformed EXIF must not block the upload
        return None, None
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    return _gps_to_decimal(gps.get(2), gps.get(1, "N")), _gps_to_decimal(gps.get(4), gps.get(3, "E"))


def image_inspect(data: bytes) -> dict[str, Any]:
    """Validate an image and return a re-encoded copy with metadata stripped.

    Refuses non-images, unsupported formats, oversized files and decompression bombs (the pixel
    count is checked from the header before any pixel is decoded). Raises ValidationFailed.
    """
    max_bytes = settings.ATTACHMENT_MAX_IMAGE_BYTES
    if len(data) > max_bytes:
        raise ValidationFailed(_("图片不能超过 %(mb)d MB。") % {"mb": max_bytes // (1024 * 1024)}, code="file_too_large")
    max_pixels = settings.ATTACHMENT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationFailed(_("图片像素过大（最多 %(mp)d 百万像素）。") % {"mp": max_pixels // 1_000_000},
                                       code="image_too_large")
            if fmt not in IMAGE_FORMATS:
                raise ValidationFailed(_("不支持的图片格式，请上传 JPG、PNG 或 WEBP。"), code="invalid_image")
            latitude, longitude = _exif_location(image)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationFailed(_("文件不是有效的图片。"), code="invalid_image")
    content_type, ext = IMAGE_FORMATS[fmt]
    # Re-encode without EXIF (location, device data): what customers see carries no metadata.
    clean = ImageOps.exif_transpose(image) if fmt in ("JPEG", "WEBP") else image
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=88)
    elif fmt in ("PNG", "GIF"):
        clean.save(out, "PNG")
        content_type, ext = "image/png", "png"
    else:
        clean.save(out, "WEBP", quality=88)
        content_type, ext = "image/webp", "webp"
    return {"data": out.getvalue(), "content_type": content_type, "ext": ext, "width": clean.width,
            "height": clean.height, "exif_latitude": latitude, "exif_longitude": longitude}


def attachment_add(
    *,
    ticket: Ticket,
    file: IO[bytes] | bytes,
    filename: str,
    by: AbstractBaseUser | None = None,
    purpose: str = Attachment.Purpose.REPORT,
    kind: str | None = None,
    content_type: str = "",
    customer_visible: bool = True,
    record_event: bool = True,
    uuid: Any = None,
) -> Attachment:
    """Validate and store one file on a ticket; raises ValidationFailed and stores nothing on bad input.

    ``uuid`` is an id the client generated (an offline app creates the object first): sending the
    same uuid again returns the stored attachment and changes nothing; a uuid already used on another
    ticket is refused.

    Images are re-encoded without metadata (EXIF GPS is copied to the record for staff first);
    videos are accepted by type and size. Writes a ``ticket.attachment_added`` event.
    """
    if uuid is not None:
        existing = Attachment.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.ticket_id != ticket.pk:
                raise ValidationFailed(_("该附件编号已被使用。"), code="uuid_in_use")
            return existing
    data = file if isinstance(file, bytes) else file.read()
    guessed = content_type or mimetypes.guess_type(filename)[0] or ""
    if kind is None:
        kind = Attachment.Kind.VIDEO if guessed.startswith("video/") else Attachment.Kind.IMAGE
    fields: dict[str, Any] = {}
    if kind in (Attachment.Kind.IMAGE, Attachment.Kind.SIGNATURE):
        info = image_inspect(data)
        payload, content_type, ext = info["data"], info["content_type"], info["ext"]
        fields = {k: info[k] for k in ("width", "height", "exif_latitude", "exif_longitude")}
    elif kind == Attachment.Kind.VIDEO:
        if guessed not in VIDEO_TYPES:
            raise ValidationFailed(_("不支持的视频格式，请上传 MP4、MOV 或 WEBM。"), code="invalid_video")
        if len(data) > settings.ATTACHMENT_MAX_VIDEO_BYTES:
            raise ValidationFailed(_("视频不能超过 %(mb)d MB。") % {"mb": settings.ATTACHMENT_MAX_VIDEO_BYTES // 2**20},
                                   code="file_too_large")
        payload, content_type, ext = data, guessed, VIDEO_TYPES[guessed]
    else:
        if len(data) > settings.ATTACHMENT_MAX_VIDEO_BYTES:
            raise ValidationFailed(_("文件过大。"), code="file_too_large")
        payload, content_type, ext = data, guessed or "application/octet-stream", "bin"
    if not payload:
        raise ValidationFailed(_("文件为空。"), code="empty_file")
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket, kind=kind, purpose=purpose, original_name=filename[:200], content_type=content_type,
            size=len(payload), sha256=hashlib.sha256(payload).hexdigest(), customer_visible=customer_visible,
            uploaded_by=by if getattr(by, "pk", None) else None, **fields,
        )
        if uuid is not None:
            attachment.uuid = uuid
        attachment.file.save(f"upload.{ext}", ContentFile(payload), save=False)
        attachment.save()
        if record_event:
            from .services import ticket_event_add

            ticket_event_add(ticket=ticket, kind="ticket.attachment_added", by=by, customer_visible=False,
                             payload={"attachment_id": attachment.pk, "purpose": purpose})
    return attachment
