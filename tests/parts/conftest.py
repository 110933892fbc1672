from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def part(db):
    return factories.PartFactory(sku="SCR-P60", name="P60 屏幕总成")


@pytest.fixture
def location(db):
    return factories.LocationFactory(code="SH-C01", name="上海网点仓", kind="center")


@pytest.fixture
def stocked(part, location):
    from parts.services import stock_receive

    stock_receive(part=part, location=location, quantity=10, by=None, reference="PO-1")
    return part, location
