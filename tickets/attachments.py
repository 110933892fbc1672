"""Attachment intake: images checked with Pillow, EXIF (with any GPS location) stripped and not kept, videos by their
container's signature (magic bytes), never by the type the client claims.

``attachment_add`` is the one service every channel (customer form, e-mail, technician API, admin)
uses to store a file on a ticket.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import warnings
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import ValidationFailed
from .models import Attachment, Ticket
from .video_location import strip_location, strip_location_in_place

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
                 "HEIF": ("image/heic", "heic"), "GIF": ("image/gif", "gif")}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm", "video/3gpp": "3gp"}
# Top-level atoms a QuickTime file may start with when it has no "ftyp" box (older cameras).
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
SNIFF_BYTES = 64


def video_type(head: bytes) -> str | None:
    """The video type of a file from its first bytes, or None when it is not a supported video.

    MP4, MOV and 3GP are ISO media files: a box size, then ``ftyp`` and the brand (``qt  `` for
    QuickTime, ``3g..`` for 3GP); WebM is an EBML document whose DocType is ``webm``.
    """
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:SNIFF_BYTES]:
        return "video/webm"
    return None


def video_inspect(head: bytes, *, size: int) -> str:
    """Check a video by its first bytes and its size; return its real type. Raises ValidationFailed."""
    if size > settings.ATTACHMENT_MAX_VIDEO_BYTES:
        raise ValidationFailed(_("视频不能超过 %(mb)d MB。") % {"mb": settings.ATTACHMENT_MAX_VIDEO_BYTES // 2**20},
                               code="file_too_large")
    if not size:
        raise ValidationFailed(_("文件为空。"), code="empty_file")
    content_type = video_type(head)
    if content_type is None:
        raise ValidationFailed(_("文件不是有效的视频，请上传 MP4、MOV 或 WEBM。"), code="invalid_video")
    return content_type


def _size_of(file: IO[bytes]) -> int | None:
    size = getattr(file, "size", None)
    return int(size) if isinstance(size, int) else None


def _head_of(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return head


def _sha256_of(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def customer_upload_check(*, ticket: Ticket, size: int) -> None:
    """Refuse an upload that takes the customer past today's upload allowance (every ticket, every
    channel; counted from the stored attachments, so it holds without any cache)."""
    allowance = settings.ATTACHMENT_CUSTOMER_DAILY_BYTES
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    stored = (Attachment.objects.filter(ticket__customer_id=ticket.customer_id, uploaded_by__isnull=True,
                                        created_at__gte=start).aggregate(total=Sum("size"))["total"] or 0)
    if stored + size > allowance:
        raise ValidationFailed(_("今日上传的文件已达上限（%(mb)d MB），请明天再试或联系客服。")
                               % {"mb": allowance // 2**20}, code="upload_quota_exceeded")


def image_size_check(size: int) -> None:
    max_bytes = settings.ATTACHMENT_MAX_IMAGE_BYTES
    if size > max_bytes:
        raise ValidationFailed(_("图片不能超过 %(mb)d MB。") % {"mb": max_bytes // (1024 * 1024)}, code="file_too_large")


def image_inspect(data: bytes) -> dict[str, Any]:
    """Validate an image and return a re-encoded copy with metadata stripped.

    Refuses non-images, unsupported formats, oversized files and decompression bombs (the pixel
    count is checked from the header before any pixel is decoded). Raises ValidationFailed.
    """
    image_size_check(len(data))
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
            "height": clean.height}


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
    same uuid again, also while the first upload is still running, returns the stored attachment and
    changes nothing (its file is stored once); a uuid already used on another ticket is refused.

    Images are re-encoded without metadata (no EXIF location is kept anywhere);
    videos are accepted by their signature and size and streamed to storage without being read into
    memory, with the location boxes of MP4/MOV/3GP blanked (``tickets.video_location``). Uploads without a staff user count against the customer's daily allowance. Writes a
    ``ticket.attachment_added`` event.
    """
    if uuid is not None and (existing := _sent_before(uuid, ticket)) is not None:
        return existing
    guessed = content_type or mimetypes.guess_type(filename)[0] or ""
    if kind is None:
        kind = Attachment.Kind.VIDEO if guessed.startswith("video/") else Attachment.Kind.IMAGE
    stream = None if isinstance(file, bytes) else file
    size = len(file) if stream is None else _size_of(stream)
    if stream is not None and (size is None or kind != Attachment.Kind.VIDEO):
        # Images are decoded anyway (and are small): read them, after the size check when the size is known.
        if size is not None and kind in (Attachment.Kind.IMAGE, Attachment.Kind.SIGNATURE):
            image_size_check(size)
        file, stream = stream.read(), None
        size = len(file)
    fields: dict[str, Any] = {}
    if kind in (Attachment.Kind.IMAGE, Attachment.Kind.SIGNATURE):
        info = image_inspect(file)
        payload, content_type, ext = info["data"], info["content_type"], info["ext"]
        fields = {k: info[k] for k in ("width", "height")}
    elif kind == Attachment.Kind.VIDEO:
        # A large video is never read into memory: its head is sniffed and its body streamed to storage.
        content_type = video_inspect(_head_of(stream) if stream is not None else file[:SNIFF_BYTES], size=size)
        if content_type != "video/webm":
            # where the video was shot stays on the phone: the location boxes are blanked in place
            if stream is not None:
                stream = strip_location_in_place(stream, size)
            else:
                file = strip_location(file)
        payload, ext = (stream if stream is not None else file), VIDEO_TYPES[content_type]
    else:
        if size > settings.ATTACHMENT_MAX_VIDEO_BYTES:
            raise ValidationFailed(_("文件过大。"), code="file_too_large")
        payload, content_type, ext = file, guessed or "application/octet-stream", "bin"
    stored_size = size if payload is stream else len(payload)
    if not stored_size:
        raise ValidationFailed(_("文件为空。"), code="empty_file")
    if not getattr(by, "pk", None):
        customer_upload_check(ticket=ticket, size=stored_size)
    if payload is stream:
        sha256, content = _sha256_of(stream), File(stream)
    else:
        sha256, content = hashlib.sha256(payload).hexdigest(), ContentFile(payload)
    try:
        with transaction.atomic():
            attachment = Attachment(
                ticket=ticket, kind=kind, purpose=purpose, original_name=filename[:200], content_type=content_type,
                size=stored_size, sha256=sha256, customer_visible=customer_visible,
                uploaded_by=by if getattr(by, "pk", None) else None, **fields,
            )
            if uuid is not None:
                attachment.uuid = uuid
            # The row first, under the name its file will get, then the file: the same photo sent twice
            # at once (one client id) waits on the first one's row and is answered with it, and a copy
            # of the file is never written beside it. Files are not rolled back with rows.
            attachment.file.name = attachment.file.field.generate_filename(attachment, f"upload.{ext}")
            attachment.save()
            stored = attachment.file.storage.save(attachment.file.name, content,
                                                  max_length=attachment.file.field.max_length)
            if stored != attachment.file.name:  # the storage found the name taken and chose another
                attachment.file.name = stored
                attachment.save(update_fields=["file"])
            if record_event:
                from .services import ticket_event_add

                ticket_event_add(ticket=ticket, kind="ticket.attachment_added", by=by, customer_visible=False,
                                 payload={"attachment_id": attachment.pk, "purpose": purpose})
    except IntegrityError:
        existing = _sent_before(uuid, ticket) if uuid is not None else None
        if existing is None:
            raise
        return existing
    return attachment


def _sent_before(uuid: Any, ticket: Ticket) -> Attachment | None:
    """The attachment the client already sent under its id on this ticket; an id used on another ticket is refused."""
    existing = Attachment.objects.filter(uuid=uuid).first()
    if existing is not None and existing.ticket_id != ticket.pk:
        raise ValidationFailed(_("该附件编号已被使用。"), code="uuid_in_use")
    return existing
