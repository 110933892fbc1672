"""Reading uploaded CSV and XLSX files row by row, whatever program saved them.

Excel on Chinese Windows saves "CSV" as GB18030 (GBK), newer Excel and WPS as UTF-8 with a BOM, other
tools as plain UTF-8. The encoding is detected from the bytes, never asked for. Files are read as
streams (a CSV through an incremental decoder, an XLSX in openpyxl's read-only mode), so a file of a
million rows costs the same memory as one of a hundred.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class FileError(ValueError):
    """The file as a whole cannot be read (shown instead of any row errors)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """An opened upload: its format (``csv`` or ``xlsx``) and, for a CSV, the detected encoding."""

    format: str
    encoding: str = ""


def sniff(head: bytes, *, name: str = "") -> Source:
    """The format and encoding of a file from its first bytes."""
    if head.startswith(XLSX_MAGIC):
        return Source("xlsx")
    if head[:8].startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(_("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 或 CSV（UTF-8）后重新上传"))
    if name.lower().endswith((".xls", ".xlsx")) and not head.startswith(XLSX_MAGIC):
        raise FileError(_("文件扩展名是 Excel，但内容不是有效的 .xlsx 文件"))
    if head.startswith(codecs.BOM_UTF8):
        return Source("csv", "utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Source("csv", "utf-16")
    return Source("csv", _guess_encoding(head))


def _guess_encoding(head: bytes) -> str:
    # UTF-8 is strict enough that Chinese GB text almost never decodes as UTF-8; a multi-byte
    # character cut at the end of the sample is tolerated.
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:
            return "gb18030"
    raise FileError(_("无法识别文件编码，请另存为 CSV（UTF-8）或 Excel（.xlsx）后重新上传"))


SNIFF_BYTES = 64 * 1024


def open_rows(file: IO[bytes], *, name: str = "") -> tuple[Source, Iterator[list[Any]]]:
    """The detected source and an iterator over the file's rows (lists of cells, header included).

    Raises FileError for a file that is not a readable CSV or XLSX.
    """
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head:
        raise FileError(_("文件是空的"))
    source = sniff(head, name=name)
    if source.format == "xlsx":
        return source, _xlsx_rows(file)
    return source, _csv_rows(file, source.encoding)


def _csv_rows(file: IO[bytes], encoding: str) -> Iterator[list[Any]]:
    stream = io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(stream)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise FileError(_("文件第 %(line)s 行附近有无法识别的字符，请另存为 CSV（UTF-8）后重新上传")
                        % {"line": reader.line_num + 1}) from None
    except csv.Error:
        raise FileError(_("第 %(line)s 行的 CSV 格式有误（引号未闭合？）") % {"line": reader.line_num}) from None
    finally:
        stream.detach()


def _xlsx_rows(file: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileError(_("无法打开 Excel 文件，文件可能已损坏")) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def count_rows(file: IO[bytes], *, name: str = "") -> int:
    """Data rows (without the header, without blank lines) of a file, reading it once."""
    _source, rows = open_rows(file, name=name)
    total = -1
    for row in rows:
        if any(c not in (None, "") and str(c).strip() for c in row):
            total += 1
    file.seek(0)
    return max(total, 0)
