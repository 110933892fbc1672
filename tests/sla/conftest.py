from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tickets.models import SlaPolicy

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {str(d): ["09:00", "18:00"] for d in range(5)}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def screen(db):
    return factories.FaultCategoryFactory(code="screen", name="屏幕", required_skill="screen")


@pytest.fixture
def screen_policy(screen):
    return SlaPolicy.objects.create(name="屏幕 24h", fault_category=screen, response_hours=Decimal("4"),
                                    resolution_hours=Decimal("24"))


@pytest.fixture
def center(db):
    return factories.ServiceCenterFactory(opening_hours=WEEKDAYS)
