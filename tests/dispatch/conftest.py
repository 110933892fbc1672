from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from tests import factories


@pytest.fixture
def screen(db):
    return factories.FaultCategoryFactory(code="screen", name="屏幕", required_skill="screen")


@pytest.fixture
def phone_model(db):
    return factories.ProductModelFactory(category="phone")


@pytest.fixture
def shanghai(db):
    return factories.ServiceCenterFactory(code="SH1", city="上海市", latitude=Decimal("31.228"),
                                          longitude=Decimal("121.520"))


@pytest.fixture
def beijing(db):
    return factories.ServiceCenterFactory(code="BJ1", city="北京市", province="北京市",
                                          latitude=Decimal("39.904"), longitude=Decimal("116.407"))


def make_tech(center, **kw):
    tech = factories.TechnicianFactory(center=center, **kw)
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    return tech


@pytest.fixture
def ticket_factory(screen, phone_model):
    def make(**kw):
        customer = kw.pop("customer", None) or factories.CustomerFactory(
            latitude=Decimal("31.230"), longitude=Decimal("121.470"))
        kw.setdefault("fault_category", screen)
        kw.setdefault("product_model", phone_model)
        ticket = factories.TicketFactory(customer=customer, **kw)
        from tickets.services import ticket_triage

        return ticket_triage(ticket=ticket, by=None)

    return make
