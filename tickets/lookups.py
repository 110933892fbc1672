"""Query helpers: lookups for batches of keys, and an insert that yields to an existing row.

A batch import looks up thousands of natural keys at once (serials, phones). ``field IN (%s, %s, …)``
with 2,000 placeholders costs more to build, send and parse than the lookup itself; PostgreSQL takes the
same list as one array parameter (``field = ANY(%s)``) and uses the same index. Other databases get the
plain ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import router
from django.db.models import F, Model, Q
from django.db.models.constants import OnConflict
from django.db.models.lookups import In


class AnyOf(In):
    """``IN`` that PostgreSQL receives as ``= ANY(array)``; used as a filter expression:
    ``Model.objects.filter(AnyOf(F("serial_number"), serials))``."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs if v is not None]
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", (*lhs_params, values)


def any_of(field: str, values: Iterable[Any]) -> Q | AnyOf:
    """A filter matching rows whose ``field`` is one of ``values``."""
    values = list(dict.fromkeys(values))
    return AnyOf(F(field), values) if values else Q(pk__in=[])


def insert_unless_taken(instance: Model) -> bool:
    """Write the unsaved ``instance`` in one statement unless a unique constraint already holds its
    values (``INSERT … ON CONFLICT DO NOTHING RETURNING``, PostgreSQL and SQLite); True, with the
    primary key set, when the row was written. For a row that is usually new: the usual read first,
    then the insert, is one round trip more. No save signals are sent (as with ``bulk_create``)."""
    model = type(instance)
    meta = model._meta
    using = router.db_for_write(model, instance=instance)
    # The fields and the entry point of Model.save() for a new row, with the conflict clause added.
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    returning = meta.db_returning_fields
    rows = model._base_manager._insert([instance], fields=fields, returning_fields=returning, using=using,
                                       on_conflict=OnConflict.IGNORE)
    if not rows or rows[0] is None:
        return False
    for value, field in zip(rows[0], returning, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = using
    return True
