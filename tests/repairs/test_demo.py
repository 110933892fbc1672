"""The workshop demo seed is idempotent and walks jobs through the real services."""

from __future__ import annotations

import io

import pytest

from repairs import demo
from repairs.models import PriceListItem, RepairOrder
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(workshop):
    ticket_transition(ticket=workshop["ticket"], transition="start", by=None)
    out = io.StringIO()
    demo.seed(stdout=out)
    items, orders = PriceListItem.objects.count(), RepairOrder.objects.count()
    assert items >= 3
    assert orders == 1
    demo.seed(stdout=out)
    assert (PriceListItem.objects.count(), RepairOrder.objects.count()) == (items, orders)
