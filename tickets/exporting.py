"""Spreadsheets that open right in Excel and WPS on Chinese Windows, and cannot attack the reader.

- CSV in UTF-8 with a BOM (Excel reads UTF-8 only with it), or GB18030 for older Excel versions;
- XLSX with every cell that came from a user written as text;
- formula triggers (``= + - @``, tab, carriage return) at the start of a user's text neutralised with a
  leading apostrophe in both formats, so ``=HYPERLINK(...)`` typed as a customer name stays text;
- rows are written as they are read (a CSV streams to the browser, an XLSX to a temporary file), so
  memory stays flat whatever the number of rows.

``Exporter`` is the base of each app's export (``<app>/resources.py``): Chinese headers, display values
(labels, not codes), the rows the user may see (``tickets.policy``), personal data masked for roles
without the contact permission.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import policy

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CSV_UTF8 = "csv"
CSV_GB18030 = "csv-gb18030"
XLSX = "xlsx"
FORMATS = {
    CSV_UTF8: (_l("CSV（UTF-8，Excel 2016 及以上 / WPS）"), "text/csv; charset=utf-8", "csv"),
    CSV_GB18030: (_l("CSV（GB18030，旧版 Excel）"), "text/csv; charset=gb18030", "csv"),
    XLSX: (_l("Excel 工作簿（.xlsx）"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def neutralise(value: str) -> str:
    """A user's text that a spreadsheet would run as a formula, made inert (OWASP "CSV injection")."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def display(value: Any) -> Any:
    """A value as a spreadsheet cell: local times without zone, text as text, booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (int, float, Decimal, dt.date)):
        return value
    return str(value)


def _csv_cell(value: Any) -> str:
    value = display(value)
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Line:
    """csv.writer target that hands back what was written."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> None:
        self.value += text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8",
               rows_per_chunk: int = 500) -> Iterator[bytes]:
    """A CSV as byte chunks for a streaming response: BOM (UTF-8) or none (GB18030), then the rows.
    Characters GB18030 cannot hold do not exist (it covers all of Unicode)."""
    codec = "utf-8" if encoding.lower().replace("-", "") in ("utf8", "utf8sig") else encoding
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([neutralise(str(h)) for h in header])
    head = line.value.encode(codec)
    yield (b"\xef\xbb\xbf" + head) if codec == "utf-8" else head
    buffer: list[str] = []
    for row in rows:
        line.value = ""
        writer.writerow([_csv_cell(v) for v in row])
        buffer.append(line.value)
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer).encode(codec)
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode(codec)


def xlsx_write(file: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "",
               text_columns: Sequence[bool] | None = None, widths: Sequence[int] | None = None,
               on_row: Callable[[int], None] | None = None) -> int:
    """An XLSX written row by row (openpyxl write-only mode keeps memory flat). Cells of user text are
    typed as text so they can never become formulas; numbers and dates stay numbers and dates.
    Returns the number of rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "Sheet1")[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [16] * len(header)):
        sheet.column_dimensions[_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = _text_cell(sheet, neutralise(str(name)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        out = []
        for value in row:
            value = display(value)
            if isinstance(value, str):
                out.append(_text_cell(sheet, neutralise(value)))
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
                out.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
        if on_row is not None and count % 1000 == 0:
            on_row(count)
    workbook.save(file)
    return count


def _text_cell(sheet: Any, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    # openpyxl types a string starting with "=" as a formula on assignment; set the text type directly.
    cell = WriteOnlyCell(sheet, value=None)
    cell._value = value
    cell.data_type = "s"
    return cell


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- exporters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportColumn:
    """One exported column: its Chinese header, how to read the value from a row object, and whether the
    value is personal data of a kind (``phone``, ``email``, ``name``, ``address``) masked for roles
    without the contact permission."""

    label: str
    get: Callable[[Any], Any]
    contact: str = ""
    width: int = 16


def attr(path: str) -> Callable[[Any], Any]:
    """A getter following ``a__b__c`` through related objects (None-safe)."""
    parts = path.split("__")

    def get(obj: Any) -> Any:
        for part in parts:
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj

    return get


def choice(path: str) -> Callable[[Any], Any]:
    """The label of a choice field rather than its code. Labels are resolved once per language, not per
    row (``get_<field>_display`` translates every label of the field on each call)."""
    *head, name = path.split("__")
    owner = attr("__".join(head)) if head else (lambda o: o)
    tables: dict[str, dict[Any, str]] = {}

    def get(obj: Any) -> Any:
        target = owner(obj)
        if target is None:
            return None
        from django.utils.translation import get_language

        language = get_language() or ""
        table = tables.get(language)
        if table is None:
            field = target._meta.get_field(name)
            table = tables[language] = {code: str(label) for code, label in field.flatchoices}
        value = getattr(target, name)
        return table.get(value, value)

    return get


_EXPORTERS: dict[str, type[Exporter]] = {}


def register_exporter(exporter: type[Exporter]) -> type[Exporter]:
    _EXPORTERS[exporter.key] = exporter
    return exporter


def exporter_for(key: str) -> type[Exporter]:
    return _EXPORTERS[key]


class Exporter:
    """Base of an app's export. Subclasses set ``model`` and ``columns`` and may narrow ``queryset``
    (joins and annotations the columns read, so the export costs a constant number of queries)."""

    key: ClassVar[str]
    model: ClassVar[type[Model]]
    columns: ClassVar[Sequence[ExportColumn]] = ()
    chunk_size: ClassVar[int] = 2000

    def __init__(self, *, user: Any = None):
        self.user = user

    @classmethod
    def title(cls) -> str:
        return str(cls.model._meta.verbose_name_plural)

    def base_queryset(self) -> QuerySet:
        return self.model._default_manager.all()

    def queryset(self, queryset: QuerySet | None = None) -> QuerySet:
        """The rows to export: the given (already filtered) queryset or all, always within the user's
        scope."""
        qs = queryset if queryset is not None else self.base_queryset()
        if self.user is not None:
            qs = policy.scope_queryset(self.user, qs)
        return qs.order_by("pk")

    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def enrich(self, objs: list[Any]) -> None:
        """Load what the columns read from other tables for one chunk of rows (one query per source
        and chunk, so the export costs the same queries per thousand rows whatever their content)."""

    def rows(self, queryset: QuerySet | None = None) -> Iterator[list[Any]]:
        """Display rows, streamed from the database in chunks (server-side cursor on PostgreSQL)."""
        masked = self.user is not None and not policy.can_view_full_contact(self.user)
        columns = list(self.columns)
        chunk: list[Any] = []
        for obj in self.queryset(queryset).iterator(chunk_size=self.chunk_size):
            chunk.append(obj)
            if len(chunk) >= self.chunk_size:
                yield from self._render(chunk, columns, masked)
                chunk = []
        if chunk:
            yield from self._render(chunk, columns, masked)

    def _render(self, chunk: list[Any], columns: list[ExportColumn], masked: bool) -> Iterator[list[Any]]:
        self.enrich(chunk)
        for obj in chunk:
            row = []
            for column in columns:
                value = column.get(obj)
                if column.contact and masked and value not in (None, ""):
                    value = policy.MASKS[column.contact](str(value))
                row.append(value)
            yield row

    def write_xlsx(self, file: IO[bytes], queryset: QuerySet | None = None,
                   on_row: Callable[[int], None] | None = None) -> int:
        return xlsx_write(file, self.header(), self.rows(queryset), title=self.title(),
                          widths=[c.width for c in self.columns], on_row=on_row)

    def csv_chunks(self, queryset: QuerySet | None = None, *, encoding: str = "utf-8") -> Iterator[bytes]:
        return csv_chunks(self.header(), self.rows(queryset), encoding=encoding)


def filename(title: str, extension: str) -> str:
    return f"{title}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def rows_to_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> bytes:
    """A small in-memory file (templates, error files of a preview) in one of ``FORMATS``."""
    if fmt == XLSX:
        buffer = io.BytesIO()
        xlsx_write(buffer, header, rows)
        return buffer.getvalue()
    return b"".join(csv_chunks(header, rows, encoding="gb18030" if fmt == CSV_GB18030 else "utf-8"))
