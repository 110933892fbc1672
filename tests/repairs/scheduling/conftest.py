from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from tests import factories
from tickets.models import Ticket

# A Wednesday morning in Shanghai; Thursday and Friday are working days, the weekend is not.
NOW = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 30))


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def center(db):
    return factories.ServiceCenterFactory(code="SC-SCHED", name="徐汇服务中心", latitude=Decimal("31.188000"),
                                          longitude=Decimal("121.437000"))


@pytest.fixture
def screen(db):
    return factories.FaultCategoryFactory(code="screen-s", name="屏幕故障", required_skill="screen")


@pytest.fixture
def tech(center):
    technician = factories.TechnicianFactory(center=center, name="李工", phone="13812345678", skills=["screen"])
    technician.user.groups.add(Group.objects.get(name="维修工程师"))
    return technician


def make_ticket(center, fault, *, lat="31.200000", lon="121.450000", **kwargs):
    ticket = factories.TicketFactory(service_mode="on_site", fault_category=fault, latitude=Decimal(lat),
                                     longitude=Decimal(lon), address="漕溪北路 88 号", **kwargs)
    # Routing to the centre is the intake's job; here the ticket simply belongs to it.
    Ticket.objects.filter(pk=ticket.pk).update(service_center=center)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def ticket(center, screen, now):
    return make_ticket(center, screen)


def assign(ticket, tech):
    from tickets.services import ticket_assign, ticket_triage

    ticket = ticket_triage(ticket=ticket, by=None, fault_category=ticket.fault_category)
    return ticket_assign(ticket=ticket, technician=tech, by=None)
