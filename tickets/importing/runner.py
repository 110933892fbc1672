"""Running an importer over a file: a dry run that finds every error, or the import itself.

The runner reads the file as a stream in batches, so memory stays flat whatever its size; only the
natural keys seen so far are remembered (to find duplicates inside the file) and the first errors kept
for the preview (all of them go to the error file). Two modes:

- ``all``: all or nothing. The whole import is one transaction; any error, a cancellation or a
  failure rolls every row back.
- ``valid``: the valid rows are imported, batch by batch (each batch is committed), the others are
  listed; a cancellation keeps the batches already committed and says so.

Whatever happens, the caller gets a ``Report``; an unexpected failure is logged and reported in
Chinese, never as a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import policy
from . import cells
from .base import Column, Importer, Row, RowError, normalize_header
from .files import ErrorFileWriter
from .reading import FileError, open_rows

logger = logging.getLogger(__name__)

ALL_OR_NOTHING = "all"
VALID_ROWS = "valid"
MAX_SHOWN = 500


@dataclass
class Report:
    """What a run found and did; stored as JSON on the job and shown on the preview page."""

    format: str = ""
    encoding: str = ""
    total: int = 0
    valid: int = 0
    new: int = 0
    updates: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    cancelled: bool = False
    written: bool = False
    rolled_back: bool = False

    def add_errors(self, row: Row) -> None:
        self.failed += 1
        self.error_count += len(row.errors)
        room = MAX_SHOWN - len(self.errors)
        if room > 0:
            self.errors.extend(row.errors[:room])

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "errors"}
        data["errors"] = [e.as_dict() for e in self.errors]
        return data


class _Rollback(Exception):
    pass


def _batched(iterator: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(iterator, size)):
        yield batch


def map_header(importer: Importer, header: list[Any]) -> tuple[dict[int, Column], list[str]]:
    """Which column of the importer each cell of the header is; unknown headers become warnings.
    Raises FileError for missing required columns or a column given twice."""
    by_header: dict[str, Column] = {}
    for column in importer.columns:
        for h in column.headers():
            by_header.setdefault(h, column)
    mapping: dict[int, Column] = {}
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(header):
        name = cells.text(cell)
        if not name:
            continue
        column = by_header.get(normalize_header(name))
        if column is None:
            warnings.append(_("未识别的列“%(name)s”已忽略") % {"name": name})
            continue
        if column.key in seen:
            raise FileError(_("列“%(label)s”出现了两次（“%(a)s”和“%(b)s”）")
                            % {"label": str(column.label), "a": seen[column.key], "b": name})
        seen[column.key] = name
        mapping[index] = column
    missing = [str(c.label) for c in importer.columns if c.required and c.key not in seen]
    if missing:
        expected = "、".join(str(c.label) for c in importer.columns)
        message = _("缺少必填列：%(missing)s。表头应为：%(expected)s（可下载导入模板）") % {
            "missing": "、".join(missing), "expected": expected}
        if warnings:
            message += " " + "；".join(warnings)
        raise FileError(message)
    return mapping, warnings


def _parse(importer: Importer, line: int, raw_cells: list[Any], mapping: dict[int, Column]) -> Row:
    raw = {column.key: (raw_cells[i] if i < len(raw_cells) else None) for i, column in mapping.items()}
    row = Row(line=line, cells=list(raw_cells), raw=raw, context={"labels": importer.labels})
    for column in mapping.values():
        value = raw[column.key]
        if cells.is_blank(value):
            if column.required:
                row.error(column, _("必填"), value="")
            row.values[column.key] = None
            continue
        try:
            parsed = column.parse(value)
        except cells.CellError as exc:
            row.error(column, exc.reason)
            continue
        if column.max_length and isinstance(parsed, str) and len(parsed) > column.max_length:
            row.error(column, _("不能超过 %(n)s 个字") % {"n": column.max_length})
            continue
        row.values[column.key] = parsed
    return row


def run_import(
    importer: Importer,
    file: IO[bytes],
    *,
    name: str = "",
    write: bool,
    mode: str = ALL_OR_NOTHING,
    total: int | None = None,
    error_file: ErrorFileWriter | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Report:
    """Dry-run (``write=False``) or import a file with ``importer``; see the module docstring."""
    report = Report(total=total or 0)
    importer.writing = write
    try:
        if write and mode == ALL_OR_NOTHING:
            try:
                with transaction.atomic():
                    _run(importer, file, name, report, write=True, mode=mode, error_file=error_file,
                         progress=progress, cancelled=cancelled)
                    if report.failed or report.cancelled:
                        raise _Rollback
            except _Rollback:
                report.rolled_back = True
                report.created = report.updated = 0
            report.written = not report.rolled_back and bool(report.created or report.updated)
        else:
            _run(importer, file, name, report, write=write, mode=mode, error_file=error_file, progress=progress,
                 cancelled=cancelled)
            report.written = bool(report.created or report.updated)
    except FileError as exc:
        report.file_error = exc.reason
    except Exception:
        logger.exception("import %s of %r failed", importer.key, name)
        report.file_error = _("导入中断：系统内部错误（已记录，请联系管理员）。")
        if write and mode == ALL_OR_NOTHING:
            report.file_error += _("没有写入任何数据。")
            report.created = report.updated = 0
            report.written = False
        elif report.created or report.updated:
            report.file_error += _("中断前已导入的行已保存。")
    return report


def _run(importer: Importer, file: IO[bytes], name: str, report: Report, *, write: bool, mode: str,
         error_file: ErrorFileWriter | None, progress: Callable[[int], None] | None,
         cancelled: Callable[[], bool] | None) -> None:
    if importer.by is not None and not policy.can_import(importer.by, importer.model):
        raise FileError(_("您没有导入%(what)s的权限。") % {"what": importer.title()})
    source, rows = open_rows(file, name=name)
    report.format, report.encoding = source.format, source.encoding
    line = 0
    header: list[Any] | None = None
    for header_cells in rows:
        line += 1
        if any(not cells.is_blank(c) for c in header_cells):
            header = header_cells
            break
    if header is None:
        raise FileError(_("文件没有表头和数据"))
    mapping, report.warnings = map_header(importer, header)
    if error_file is not None:
        error_file.start(header, source)
    seen: dict[tuple, int] = {}
    numbered = ((line + i + 1, r) for i, r in enumerate(rows))
    processed = read = 0
    for chunk in _batched(numbered, importer.batch_size):
        if cancelled is not None and cancelled():
            report.cancelled = True
            break
        if write and mode == ALL_OR_NOTHING and report.failed:
            importer.writing = False  # nothing will be written: check the rest as fully as the dry run
        batch = [_parse(importer, n, r, mapping) for n, r in chunk if any(not cells.is_blank(c) for c in r)]
        _check(importer, batch, seen, report)
        if write:
            _write(importer, batch, report, mode=mode)
        for row in batch:
            if row.errors:
                report.add_errors(row)
                if error_file is not None:
                    error_file.add(row)
        processed += len(chunk)
        read += len(batch)
        if progress is not None:
            progress(processed)
    if not report.cancelled:
        report.total = read


def _check(importer: Importer, batch: list[Row], seen: dict[tuple, int], report: Report) -> None:
    importer.prepare(batch)
    for row in batch:
        importer.validate(row)
    stored = importer.lookup([r for r in batch if importer.key_of(r) is not None])
    first_key = importer.natural_key[0] if importer.natural_key else None
    for row in batch:
        key = importer.key_of(row)
        if key is None:
            continue
        if key in seen:
            row.error(first_key, _("与第 %(line)s 行重复") % {"line": seen[key]})
            continue
        seen[key] = row.line
        row.existing = stored.get(key)
        if row.existing is not None:
            if not importer.updates_existing:
                row.error(first_key, _("系统中已存在"))
                continue
            importer.check_existing(row)
            if row.errors:
                continue
            if len(report.existing) < MAX_SHOWN:
                report.existing.append({"line": row.line, "key": " / ".join(cells.text(k) for k in key)})
    importer.check_scope(batch)
    for row in batch:
        if row.errors:
            continue
        report.valid += 1
        if row.existing is None:
            report.new += 1
            row.context["action"] = "new"
        elif importer.changed(row):
            report.updates += 1
            row.context["action"] = "update"
        else:
            report.unchanged += 1
            row.context["action"] = "unchanged"


def _write(importer: Importer, batch: list[Row], report: Report, *, mode: str) -> None:
    if mode == ALL_OR_NOTHING and (report.failed or any(r.errors for r in batch)):
        return  # the import will be rolled back: keep validating, stop writing
    todo = [r for r in batch if r.ok and r.context.get("action") != "unchanged"]
    if not todo:
        return
    if mode == VALID_ROWS:
        with transaction.atomic():
            failed = importer.save_batch(todo)
    else:
        failed = importer.save_batch(todo)
    failed_ids = {id(r) for r in failed}
    for row in todo:
        if id(row) in failed_ids:
            report.valid -= 1
            if row.context.get("action") == "new":
                report.new -= 1
            else:
                report.updates -= 1
            continue
        if row.context.get("action") == "new":
            report.created += 1
        else:
            report.updated += 1
