"""Building import files as ops have them (GB18030 CSV from Excel, UTF-8 with BOM, XLSX with typed
cells) and running importers on them."""

from __future__ import annotations

import csv
import io
from typing import Any

from tickets.importing.files import ErrorFileWriter
from tickets.importing.runner import run_import


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(importer_cls, data: bytes, *, by=None, write: bool = True, mode: str = "all", name: str = "f.csv",
        with_errors: bool = False):
    importer = importer_cls(by=by)
    errors = ErrorFileWriter()
    report = run_import(importer, io.BytesIO(data), name=name, write=write, mode=mode, error_file=errors)
    file = errors.finish()
    content = file.read() if file is not None else None
    return (report, content) if with_errors else report


def errors_by_line(report) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for error in report.errors:
        out.setdefault(error.line, []).append((error.column, error.reason))
    return out
