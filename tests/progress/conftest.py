from __future__ import annotations

import pytest

from tests import factories
from tickets import services


def advance(ticket, *steps, technician=None):
    """Move a ticket through the FSM with the real services (system actor)."""
    for step in steps:
        ticket.refresh_from_db()
        if step == "triage":
            services.ticket_triage(ticket=ticket, by=None)
        elif step == "assign":
            services.ticket_assign(ticket=ticket, technician=technician, by=None)
        elif step == "resolve":
            services.ticket_resolve(ticket=ticket, by=None, resolution="已更换屏幕")
        else:
            services.ticket_transition(ticket=ticket, transition=step, by=None)
    ticket.refresh_from_db()
    return ticket


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
