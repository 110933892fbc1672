"""100 concurrent reservations of the last 10 units, each thread on its own database connection.

The PostgreSQL server's connection slots (100 by default) are shared with the suite's other worker,
whose own concurrency tests open a connection per thread too: a hundred threads holding a
connection each took them all, and the other worker's threads were refused ("too many clients").
So at most ``OPEN_AT_ONCE`` threads hold a connection at a time; that many still race for the
last ten units at once.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections

from parts.exceptions import InsufficientStock
from parts.models import Reservation, StockLevel, StockMovement
from parts.selectors import ledger_differences
from parts.services import reservation_create, stock_receive
from tests import factories

WORKERS = 100
OPEN_AT_ONCE = 40


def _run_concurrently(func, n):
    barrier = threading.Barrier(n)
    slots = threading.BoundedSemaphore(OPEN_AT_ONCE)
    results: list = [None] * n

    def connect():
        # The server is shared: when its connection slots are briefly exhausted, wait for one.
        for _attempt in range(400):
            try:
                connection.ensure_connection()
                return
            except OperationalError:
                connection.close()
                time.sleep(0.05)
        connection.ensure_connection()

    def worker(i):
        barrier.wait()
        with slots:
            try:
                connect()
                results[i] = func()
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[i] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_reservations_of_last_ten_units():
    part = factories.PartFactory(sku="CONC-1")
    location = factories.LocationFactory(code="CONC-L1")
    stock_receive(part=part, location=location, quantity=10, by=None)
    assert connection.vendor == "postgresql"

    results = _run_concurrently(lambda: reservation_create(part=part, location=location, quantity=1, by=None), WORKERS)

    ok = [r for r in results if isinstance(r, Reservation)]
    errors = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(ok) == 10
    assert len(errors) == 90, [r for r in results if not isinstance(r, Reservation | InsufficientStock)]
    assert all("库存不足" in str(e) for e in errors)
    lv = StockLevel.objects.get(part=part, location=location)
    assert (lv.on_hand, lv.reserved) == (10, 10)
    assert Reservation.objects.count() == 10
    assert StockMovement.objects.filter(kind="reserve").count() == 10
    assert ledger_differences() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_of_a_location_creates_one_level():
    part = factories.PartFactory(sku="CONC-2")
    location = factories.LocationFactory(code="CONC-L2")
    results = _run_concurrently(lambda: stock_receive(part=part, location=location, quantity=1, by=None), 20)
    assert all(isinstance(r, StockMovement) for r in results), results
    assert StockLevel.objects.get(part=part, location=location).on_hand == 20
