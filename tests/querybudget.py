"""Counting what a request costs the database: statements (pytest-django's fixtures) and transactions.

A transaction is a committed or rolled-back atomic block, or a write run in autocommit mode (which
is a transaction of its own). Use in ``transaction=True`` tests, where atomic blocks really commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class TransactionCount:
    transactions: int = 0
    statements: list[str] = field(default_factory=list)


@contextlib.contextmanager
def count_transactions() -> Iterator[TransactionCount]:
    count = TransactionCount()
    real_commit, real_rollback = connection.commit, connection.rollback

    def commit() -> None:
        count.transactions += 1
        real_commit()

    def rollback() -> None:
        count.transactions += 1
        real_rollback()

    def observe(execute, sql, params, many, context):
        count.statements.append(sql)
        if not connection.in_atomic_block and sql.lstrip().split(None, 1)[0].upper() in WRITES:
            count.transactions += 1
        return execute(sql, params, many, context)

    connection.commit, connection.rollback = commit, rollback
    try:
        with connection.execute_wrapper(observe):
            yield count
    finally:
        del connection.commit, connection.rollback
