from __future__ import annotations

import re
import threading

import pytest
from django.db import connections

from tests import factories
from tickets.models import Ticket


@pytest.mark.django_db
def test_number_format_and_token():
    t1 = factories.TicketFactory()
    t2 = factories.TicketFactory()
    assert re.fullmatch(r"SR\d{8}-\d{6}", t1.number)
    assert int(t2.number[-6:]) == int(t1.number[-6:]) + 1
    assert len(t1.tracking_token) >= 32
    assert t1.tracking_token != t2.tracking_token


@pytest.mark.django_db(transaction=True)
def test_parallel_creators_get_unique_numbers():
    customer = factories.CustomerFactory()
    errors: list[Exception] = []

    def create(n):
        try:
            for _ in range(n):
                factories.TicketFactory(customer=customer)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(10,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == 80 == len(set(numbers))
