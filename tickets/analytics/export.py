"""Tables as files: CSV with a BOM (so Excel opens the Chinese right) and XLSX, formulas neutralised.

A cell that a spreadsheet would read as a formula (starting with = + - @ or a tab/CR) is prefixed with an
apostrophe, so a customer-typed name like ``=HYPERLINK(...)`` stays text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse

if TYPE_CHECKING:
    from .selectors import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table_rows(table: Table) -> list[list[Any]]:
    return [[str(h) for h in table.headers], *[[neutralise(c.value) for c in row] for row in table.rows]]


def csv_response(table: Table, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(table_rows(table))
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(tables: list[Table]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=str(table.title)[:31].replace("/", "-").replace(":", "-"))
        for row in table_rows(table):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(tables: list[Table], filename: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(tables),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
