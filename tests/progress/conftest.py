from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def center(db):
    return factories.ServiceCenterFactory(name="上海浦东服务中心", address="张杨路 500 号")


@pytest.fixture
def tech(center):
    return factories.TechnicianFactory(center=center, name="李工", phone="13812345678")


@pytest.fixture
def fault(db):
    return factories.FaultCategoryFactory(code="screen-broken", name="屏幕损坏")


@pytest.fixture
def ticket(fault):
    customer = factories.CustomerFactory(phone="13900001234", email="wang@example.com", name="王小明")
    device = factories.DeviceFactory(owner=customer)
    return factories.TicketFactory(customer=customer, device=device, fault_category=fault,
                                   service_mode="walk_in", description="屏幕摔碎了，触摸失灵")

