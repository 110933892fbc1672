"""Files the import gives back: the error file (the rejected rows as uploaded, plus a reason column,
ready to fix and upload again) and the template (Chinese headers, an example row, allowed values)."""

from __future__ import annotations

import csv
import io
import tempfile
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ..exporting import _text_cell, display, neutralise

if TYPE_CHECKING:
    from .base import Importer, Row
    from .reading import Source


class ErrorFileWriter:
    """Rows with errors written as they are found, to a temporary file in the upload's own format
    (a GB18030 CSV comes back as GB18030, a UTF-8 one with a BOM, an XLSX as XLSX)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()
        self.format = ""
        self.rows = 0
        self._writer: Any = None
        self._text: Any = None
        self._workbook: Any = None
        self._sheet: Any = None
        self._width = 0

    def start(self, header: list[Any], source: Source) -> None:
        self.format = source.format
        self._width = len(header)
        names = [display(h) for h in header] + [_("错误原因")]
        if source.format == "xlsx":
            from openpyxl import Workbook

            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet(title=_("错误行"))
            self._sheet.append([_text_cell(self._sheet, neutralise(str(n))) for n in names])
            return
        encoding = "gb18030" if source.encoding == "gb18030" else "utf-8-sig"
        self.extension_encoding = encoding
        self._text = io.TextIOWrapper(self.file, encoding=encoding, newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow([neutralise(str(n)) for n in names])

    def add(self, row: Row) -> None:
        self.rows += 1
        reasons = "；".join(
            f"{e.column}：{e.reason}" if e.column else e.reason for e in row.errors)
        cells = list(row.cells) + [None] * max(0, self._width - len(row.cells))
        if self._sheet is not None:
            self._sheet.append([_text_cell(self._sheet, neutralise(str(display(c)))) if c not in (None, "")
                                else None for c in cells] + [_text_cell(self._sheet, reasons)])
        elif self._writer is not None:
            self._writer.writerow([neutralise(str(display(c))) if c is not None else "" for c in cells]
                                  + [reasons])

    def finish(self) -> IO[bytes] | None:
        """The finished file, rewound; None when no row had an error."""
        if self._workbook is not None:
            self._workbook.save(self.file)
        elif self._text is not None:
            self._text.flush()
            self._text.detach()
        if not self.rows:
            self.file.close()
            return None
        self.file.seek(0)
        return self.file

    @property
    def extension(self) -> str:
        return "xlsx" if self.format == "xlsx" else "csv"


def template_xlsx(importer: type[Importer]) -> bytes:
    """The import template: a sheet with the Chinese headers (required ones marked *), one example row and
    every column formatted as text (so Excel keeps phone numbers and codes as typed), drop-down lists for
    columns with a fixed set of values, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("导入数据")
    guide = workbook.create_sheet(_("填写说明"))
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=f"{column.label}*" if column.required else str(column.label))
        head.font = Font(bold=True)
        if column.required:
            head.fill = required_fill
        example = sheet.cell(row=2, column=index)
        example.value = None if column.example in (None, "") else str(column.example)
        example.data_type = "s"
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) * 2 + 6))
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
        if column.allowed and "、" in column.allowed and len(column.allowed) < 240 and column.allowed.count("、") < 30:
            items = column.allowed.split("、")
            if all("," not in i and "（" not in i for i in items):
                validation = DataValidation(type="list", formula1='"' + ",".join(items) + '"', allow_blank=True)
                validation.error = _("请从列表中选择")
                validation.showErrorMessage = False
                sheet.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}1001")
    sheet.freeze_panes = "A2"
    guide.append([_("列"), _("必填"), _("可接受的表头"), _("填写要求 / 可选值"), _("示例")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in importer.columns:
        guide.append([str(column.label), _("是") if column.required else _("否"),
                      "、".join(dict.fromkeys([str(column.label), column.key, *column.aliases])),
                      str(column.allowed), str(column.example)])
    guide.append([])
    guide.append([_("说明"), _("第一行是表头，第二行是示例（导入前请删除或改成真实数据）。支持 .xlsx 与 CSV（UTF-8、"
                         "UTF-8 BOM、GB18030/GBK）；日期可写 2025-03-04、2025/3/4 或 2025年3月4日。")])
    for letter, width in zip("ABCDE", (16, 8, 36, 60, 24), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
