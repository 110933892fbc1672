"""A customer's video keeps no trace of where it was shot: the location boxes of an MP4/MOV (``©xyz`` and
``loci`` in ``udta``, ``©xyz`` in ``meta/ilst``, QuickTime ``meta/keys`` location entries) are blanked in
place, without re-encoding: same size, same offsets, the media data untouched."""

from __future__ import annotations

import struct

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile

from tests import factories
from tickets.attachments import attachment_add
from tickets.video_location import strip_location

GPS = b"+37.7749-122.4194+012.000/"
MEDIA = b"\x00\x01\x02frames" * 50


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes) -> bytes:
    return box(kind, b"\0\0\0\0" + payload)


def crafted_mp4() -> bytes:
    """ftyp, moov (mvhd, udta with ©xyz and loci, a track whose udta holds ©xyz, an iTunes meta/ilst ©xyz,
    a QuickTime meta with keys + ilst location), then mdat."""
    xyz = box(b"\xa9xyz", struct.pack(">HH", len(GPS), 0x15C7) + GPS)
    loci = full_box(b"loci", b"\x15\xc7home\0" + b"\0" + struct.pack(">iii", 2449, 7958, 12) + b"earth\0\0")
    itunes_meta = full_box(b"meta", full_box(b"hdlr", b"\0" * 4 + b"mdir" + b"\0" * 12 + b"\0")
                           + box(b"ilst", box(b"\xa9xyz", box(b"data", b"\0\0\0\x01\0\0\0\0" + GPS))))
    keys = full_box(b"keys", struct.pack(">I", 2)
                    + box(b"mdta", b"com.apple.quicktime.make")
                    + box(b"mdta", b"com.apple.quicktime.location.ISO6709"))
    ilst = box(b"ilst", box(struct.pack(">I", 1), box(b"data", b"\0\0\0\x01\0\0\0\0" + b"Apple"))
               + box(struct.pack(">I", 2), box(b"data", b"\0\0\0\x01\0\0\0\0" + GPS)))
    qt_meta = box(b"meta", full_box(b"hdlr", b"\0" * 4 + b"mdta" + b"\0" * 12 + b"\0") + keys + ilst)
    trak = box(b"trak", full_box(b"tkhd", b"\0" * 80) + box(b"udta", xyz))
    moov = box(b"moov", full_box(b"mvhd", b"\0" * 96) + trak + box(b"udta", xyz + loci + itunes_meta) + qt_meta)
    return box(b"ftyp", b"mp42\0\0\0\0isommp42") + moov + box(b"mdat", MEDIA)


def _top_level(data: bytes) -> list[tuple[bytes, int]]:
    out, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        out.append((kind, size))
        pos += size
    return out


def test_every_location_box_is_blanked_and_nothing_else_moves():
    original = crafted_mp4()
    assert original.count(GPS) == 4
    assert b"loci" in original
    clean = strip_location(original)
    assert len(clean) == len(original)
    assert GPS not in clean
    assert b"\xa9xyz" not in clean
    assert b"loci" not in clean
    assert b"Apple" in clean  # other metadata stays
    assert _top_level(clean) == _top_level(original)  # same boxes at the same offsets
    assert clean.endswith(box(b"mdat", MEDIA))  # the media data is untouched


def test_a_file_without_location_is_unchanged():
    plain = box(b"ftyp", b"mp42\0\0\0\0isommp42") + box(b"moov", full_box(b"mvhd", b"\0" * 96)) + box(b"mdat", MEDIA)
    assert strip_location(plain) == plain


@pytest.mark.django_db
@pytest.mark.parametrize("streamed", [False, True])
def test_an_uploaded_video_is_stored_without_its_location(streamed):
    ticket = factories.TicketFactory()
    data = crafted_mp4()
    if streamed:  # a large upload arrives as a file on disk and is never read into memory
        upload = TemporaryUploadedFile("clip.mp4", "video/mp4", len(data), None)
        upload.write(data)
        upload.seek(0)
        attachment = attachment_add(ticket=ticket, file=upload, filename="clip.mp4", content_type="video/mp4")
    else:
        attachment = attachment_add(ticket=ticket, file=data, filename="clip.mp4", content_type="video/mp4")
    with attachment.file.open("rb") as stored:
        kept = stored.read()
    assert attachment.kind == "video"
    assert len(kept) == len(data) == attachment.size
    assert GPS not in kept
    assert b"\xa9xyz" not in kept
