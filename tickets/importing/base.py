"""The import framework: columns, rows and the importer each app declares in its ``resources.py``.

An importer says which columns a file has (Chinese and English headers), how each cell is read, what
identifies a row (the natural key: a serial number, a SKU, a centre code) and how a batch of clean rows
is written: always through the app's services, so an imported row gets the validation and the events a
single admin save gets. The runner (``runner.py``) does the rest for every importer alike: reading the
file, collecting every error of every row, duplicates, all-or-nothing or valid rows only, progress and
cancellation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import policy
from ..exceptions import DomainError
from . import cells

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    ``key`` names the value for the importer; ``label`` is the Chinese header of the template;
    ``aliases`` are other headers accepted (English field names, common variants); ``parse`` turns a
    non-blank cell into a value or raises ``cells.CellError``; ``allowed`` describes the allowed values
    in the template; ``example`` fills the template's example row.
    """

    key: str
    label: str
    parse: Callable[[Any], Any] = cells.text
    required: bool = False
    aliases: tuple[str, ...] = ()
    allowed: str = ""
    example: Any = ""
    max_length: int | None = None

    def headers(self) -> set[str]:
        return {normalize_header(h) for h in (self.key, self.label, *self.aliases)}


def normalize_header(header: Any) -> str:
    text = cells.text(header).lower()
    for ch in " _-*＊:：()（）\ufeff":
        text = text.replace(ch, "")
    return text


@dataclass
class RowError:
    """One problem: the row's line in the file (the header is line 1), the column's header, the cell
    as typed and the reason, all as the user sees them."""

    line: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Row:
    """A data row: its line, its original cells (for the error file), the cleaned values by column key,
    and its errors. ``existing`` is the stored object with the same natural key, if any."""

    line: int
    cells: list[Any]
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    existing: Any = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, column: Column | str | None, reason: str, *, value: Any = None) -> None:
        """Record a problem. ``column`` is a Column, a column key or None (the row as a whole)."""
        label, key = _("整行"), None
        if isinstance(column, Column):
            label, key = column.label, column.key
        elif isinstance(column, str):
            key = column
            label = self.context.get("labels", {}).get(column, column)
        shown = value if value is not None else (self.raw.get(key) if key else "")
        self.errors.append(RowError(self.line, str(label), cells.text(shown), str(reason)))

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class Importer(ABC):
    """Base of every importer. Subclasses set ``key``, ``model``, ``columns`` and ``natural_key`` and
    implement ``lookup`` (stored objects by natural key, one query per batch) and ``save`` (one row,
    through the app's service); an importer whose service writes many rows at once also overrides
    ``save_batch``.
    """

    key: ClassVar[str]
    model: ClassVar[type[Model]]
    label: ClassVar[str] = ""
    columns: ClassVar[Sequence[Column]] = ()
    natural_key: ClassVar[tuple[str, ...]] = ()
    batch_size: ClassVar[int] = 500
    # Whether a row whose natural key is already stored updates it (upsert) or is an error.
    updates_existing: ClassVar[bool] = True

    def __init__(self, *, by: AbstractBaseUser | None = None):
        self.by = by
        # True while the runner imports (after the dry run checked the file), False in the dry run.
        self.writing = False
        self.labels = {c.key: c.label for c in self.columns}

    # --- the file -------------------------------------------------------------------------------

    @classmethod
    def title(cls) -> str:
        return str(cls.label or cls.model._meta.verbose_name)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def key_of(self, row: Row) -> tuple | None:
        """The row's natural key (None while any part of it is missing or invalid)."""
        parts = tuple(row.values.get(k) for k in self.natural_key)
        if any(p in (None, "") for p in parts):
            return None
        return tuple(str(p).upper() if isinstance(p, str) else p for p in parts)

    # --- per batch ------------------------------------------------------------------------------

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        """Stored objects of these rows keyed like ``key_of``; default: none."""
        return {}

    def validate(self, row: Row) -> None:  # noqa: B027 - an optional hook, no-op by default
        """Cross-column and reference checks of one parsed row (``row.error`` to report)."""

    def prepare(self, rows: list[Row]) -> None:  # noqa: B027 - an optional hook, no-op by default
        """Batch lookups before ``validate`` (referenced objects by code, in one query each)."""

    def check_existing(self, row: Row) -> None:  # noqa: B027 - an optional hook, no-op by default
        """Checks of a row against the stored object with its natural key (``row.existing``)."""

    # --- scope: which rows this user may write --------------------------------------------------

    # The column a row outside the user's scope is reported on (default: the first natural key).
    scope_column: ClassVar[str | None] = None

    def check_scope(self, rows: list[Row]) -> None:
        """Refuse, row by row, what lies outside the importing user's scope.

        The add and change permissions let a user import a model at all; which rows they may write is
        the same as in the admin: a centre manager updates only their centres' rows, a warehouse clerk
        of a centre only that centre's stock. A stored row must be reachable by the user; a new row is
        refused unless the importer can tell where it will belong (``new_row_in_scope``); and the place
        a row is written to must be reachable too (``target_in_scope``). A role spanning every centre
        (or a model shared by all) is never narrowed.
        """
        if self.by is None or policy.scope_q(self.by, self.model) is None:
            return
        stored = [r.existing.pk for r in rows if r.ok and r.existing is not None]
        reachable = set(policy.scope_queryset(self.by, self.model._default_manager.filter(pk__in=stored))
                        .values_list("pk", flat=True)) if stored else set()
        column = self.scope_column or (self.natural_key[0] if self.natural_key else None)
        for row in rows:
            if not row.ok:
                continue
            allowed = (row.existing.pk in reachable if row.existing is not None else self.new_row_in_scope(row))
            if not (allowed and self.target_in_scope(row)):
                row.error(column, _("不在您负责的范围内（只能导入本网点的数据）"))

    def new_row_in_scope(self, row: Row) -> bool:
        """Whether a new row would belong to the user's scope; by default a narrowed user creates none,
        since nothing says which centre the row would belong to."""
        return False

    def target_in_scope(self, row: Row) -> bool:
        """Whether the centre or location the row is written to lies in the user's scope."""
        return True

    @abstractmethod
    def save(self, row: Row) -> None:
        """Write one clean row through the app's service; raise ValidationError or DomainError to
        refuse it (the row gets the reasons, the other rows are not affected)."""

    def save_batch(self, rows: list[Row]) -> list[Row]:
        """Write clean rows; return the rows that failed (with their errors). Each row is written in
        its own savepoint through ``save``, so a service refusing one row leaves the others."""
        failed = []
        for row in rows:
            try:
                with transaction.atomic():
                    self.save(row)
            except (ValidationError, DomainError) as exc:
                for column, message in service_messages(exc):
                    row.error(column if column in self.labels else None, message)
                failed.append(row)
            except IntegrityError:
                # A row changed by someone else meanwhile, or a rule only the database knows.
                row.error(None, _("与系统中已有数据冲突，未保存"))
                failed.append(row)
        return failed

    def changed(self, row: Row) -> bool:
        """Whether an existing object would change (False counts the row as unchanged)."""
        return True


def service_messages(exc: Exception) -> Iterable[tuple[str | None, str]]:
    """(field, message) pairs of a service's refusal, for the row's errors."""
    if isinstance(exc, DomainError):
        extra = getattr(exc, "extra", None) or {}
        fields = extra.get("fields") or extra.get("errors") or {}
        if fields:
            for name, messages in fields.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    yield name, str(message)
            return
        yield None, str(exc.message if hasattr(exc, "message") else exc)
        return
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                for error in errors:
                    yield (None if name == "__all__" else name), " ".join(error.messages)
            return
        for message in exc.messages:
            yield None, message
        return
    yield None, _("无法保存该行")


# --- the registry: importers by key, for background jobs that get only the key -----------------

_REGISTRY: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    _REGISTRY[importer.key] = importer
    return importer


def importer_for(key: str) -> type[Importer]:
    return _REGISTRY[key]


def importers() -> list[type[Importer]]:
    return list(_REGISTRY.values())
