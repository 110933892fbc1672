from __future__ import annotations

import io

import pytest
from PIL import Image

from tests import factories
from tickets.attachments import attachment_add
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    gps = {1: "N", 2: (31.0, 13.0, 48.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


@pytest.mark.django_db
def test_image_is_stored_without_exif_and_no_location_is_recorded():
    ticket = factories.TicketFactory()
    att = attachment_add(ticket=ticket, file=_jpeg_with_gps(), filename="crack.jpg")
    assert att.kind == "image"
    assert att.width == 64
    assert not any("exif" in f.name or "latitude" in f.name for f in type(att)._meta.get_fields())
    with att.file.open("rb") as fh:
        stored = Image.open(fh)
        assert not stored.getexif().get_ifd(0x8825)


@pytest.mark.django_db
def test_non_image_is_refused_and_nothing_stored():
    ticket = factories.TicketFactory()
    with pytest.raises(ValidationFailed) as err:
        attachment_add(ticket=ticket, file=b"%PDF-1.4 not an image", filename="x.jpg")
    assert err.value.code == "invalid_image"
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_decompression_bomb_is_refused(settings):
    settings.ATTACHMENT_MAX_PIXELS = 1_000_000
    buf = io.BytesIO()
    Image.new("1", (4000, 4000)).save(buf, "PNG")
    ticket = factories.TicketFactory()
    with pytest.raises(ValidationFailed) as err:
        attachment_add(ticket=ticket, file=buf.getvalue(), filename="bomb.png")
    assert err.value.code == "image_too_large"


@pytest.mark.django_db
def test_oversized_and_video_types(settings):
    settings.ATTACHMENT_MAX_IMAGE_BYTES = 10
    ticket = factories.TicketFactory()
    with pytest.raises(ValidationFailed):
        attachment_add(ticket=ticket, file=_jpeg_with_gps(), filename="a.jpg")
    with pytest.raises(ValidationFailed):
        attachment_add(ticket=ticket, file=b"abc", filename="a.avi", content_type="video/x-msvideo")
    att = attachment_add(ticket=ticket, file=b"\x00\x00\x00\x18ftypmp42", filename="a.mp4")
    assert att.kind == "video"
