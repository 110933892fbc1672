"""Query helpers for batches of keys.

A batch import looks up thousands of natural keys at once (serials, phones). ``field IN (%s, %s, …)``
with 2,000 placeholders costs more to build, send and parse than the lookup itself; PostgreSQL takes the
same list as one array parameter (``field = ANY(%s)``) and uses the same index. Other databases get the
plain ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q
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
