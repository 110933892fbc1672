"""Location metadata out of customers' MP4/MOV videos, without re-encoding.

A phone writes where a video was shot into its metadata boxes: ``©xyz`` (ISO 6709 text) and ``loci``
(3GPP) in ``udta`` boxes of the movie or a track, ``©xyz`` in an iTunes-style ``meta/ilst``, and
``com.apple.quicktime.location.*`` entries of a QuickTime ``meta/keys`` + ``ilst`` list. Each such box
is blanked in place: its type becomes ``free`` (a box every reader skips) and its content zeros. The
file keeps its size and every offset (the sample tables point into ``mdat`` by absolute offset), so
the video plays exactly as before. Only the box headers of the movie header tree are read, never the
media data, so a large video is patched without being loaded.
"""

from __future__ import annotations

import io
import struct
from typing import IO

#: Boxes that hold other boxes on the way to the metadata.
_CONTAINERS = {b"moov", b"trak", b"udta", b"meta", b"ilst"}
#: Boxes whose content is a location.
_LOCATION_BOXES = {b"\xa9xyz", b"loci"}
_MAX_HEADER_TREE = 64 * 1024 * 1024  # a movie header bigger than this is not a phone's video


def _boxes(f: IO[bytes], start: int, end: int):
    """(offset, header length, total size, type) of each box between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        head = 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:
                return
            size, head = struct.unpack(">Q", large)[0], 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            return  # a damaged box: stop rather than guess
        yield pos, head, size, kind
        pos += size


def _meta_content_start(f: IO[bytes], offset: int, head: int) -> int:
    """ISO ``meta`` is a full box (4 bytes of version and flags); QuickTime's is not."""
    f.seek(offset + head)
    return offset + head + 4 if f.read(4) == b"\0\0\0\0" else offset + head


def _location_keys(f: IO[bytes], offset: int, head: int, size: int) -> set[int]:
    """1-based indexes of the ``keys`` entries that name a location."""
    f.seek(offset + head + 4)  # version and flags
    count = struct.unpack(">I", f.read(4))[0]
    found, pos, end = set(), offset + head + 8, offset + size
    for index in range(1, count + 1):
        if pos + 8 > end:
            break
        f.seek(pos)
        entry_size = struct.unpack(">I", f.read(4))[0]
        if entry_size < 8 or pos + entry_size > end:
            break
        f.read(4)  # namespace ("mdta")
        if b"location" in f.read(entry_size - 8).lower():
            found.add(index)
        pos += entry_size
    return found


def location_patches(f: IO[bytes], size: int) -> list[tuple[int, bytes]]:
    """(offset, bytes) writes that blank every location box of the video in ``f`` (``size`` bytes)."""
    patches: list[tuple[int, bytes]] = []

    def blank(offset: int, head: int, box_size: int) -> None:
        patches.append((offset + 4, b"free"))
        patches.append((offset + head, bytes(box_size - head)))

    def walk(start: int, end: int, parent: bytes, keys: set[int]) -> None:
        for offset, head, box_size, kind in _boxes(f, start, end):
            if kind in _LOCATION_BOXES or (parent == b"ilst" and kind in {struct.pack(">I", k) for k in keys}):
                blank(offset, head, box_size)
            elif kind == b"meta":
                content = _meta_content_start(f, offset, head)
                inner = {k for o, h, s, t in _boxes(f, content, offset + box_size) if t == b"keys"
                         for k in _location_keys(f, o, h, s)}
                walk(content, offset + box_size, kind, inner)
            elif kind in _CONTAINERS and box_size <= _MAX_HEADER_TREE:
                walk(offset + head, offset + box_size, kind, keys)

    walk(0, size, b"", set())
    return patches


def strip_location(data: bytes) -> bytes:
    """``data`` with its location boxes blanked (same length)."""
    buffer = bytearray(data)
    for offset, patch in location_patches(io.BytesIO(data), len(data)):
        buffer[offset:offset + len(patch)] = patch
    return bytes(buffer)


def strip_location_in_place(f: IO[bytes], size: int) -> IO[bytes]:
    """Blank the location boxes of the video file ``f``; returns a readable file at position 0 (``f``
    itself when it can be written, else a copy on disk)."""
    patches = location_patches(f, size)
    if not patches:
        f.seek(0)
        return f
    target = f
    try:
        f.seek(patches[0][0])
        f.write(patches[0][1])
    except (io.UnsupportedOperation, OSError, AttributeError):
        import shutil
        import tempfile

        target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the storage, closed with it
        f.seek(0)
        shutil.copyfileobj(f, target, 1024 * 1024)
    for offset, patch in patches:
        target.seek(offset)
        target.write(patch)
    target.flush()
    target.seek(0)
    return target
