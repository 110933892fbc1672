from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories
from tickets.services import ticket_assign, ticket_triage


def client_for(user) -> APIClient:
    """An API client authenticated the real way: a knox token in the Authorization header."""
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def tech_client(technician):
    return client_for(technician.user)


@pytest.fixture
def other_technician(db):
    tech = factories.TechnicianFactory()
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    return tech


@pytest.fixture
def fault(db):
    return factories.FaultCategoryFactory(code="screen-broken", name="屏幕碎裂")


def make_job(technician, *, fault=None, with_device=True, **kwargs):
    """A ticket triaged and assigned to ``technician`` through the real services."""
    fault = fault or factories.FaultCategoryFactory(code="screen-broken", name="屏幕碎裂")
    if with_device:
        dev = factories.DeviceFactory()
        kwargs.setdefault("device", dev)
        kwargs.setdefault("customer", dev.owner)
    ticket = factories.TicketFactory(**kwargs)
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    return ticket_assign(ticket=ticket, technician=technician, by=None)


@pytest.fixture
def job(technician, fault):
    return make_job(technician, fault=fault)
