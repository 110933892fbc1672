from __future__ import annotations

import uuid

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
def private_cache(settings):
    """A cache of this test's own: throttling counts must not be shared with (or cleared by) other
    xdist workers using the same Redis database."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"api-test-{uuid.uuid4().hex}"}}


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
    # In committed transactions (transaction=True tests) intake's triage and dispatch run on commit.
    ticket.refresh_from_db()
    if ticket.status == "new":
        ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    ticket.refresh_from_db()
    if ticket.technician_id == technician.pk:
        return ticket
    return ticket_assign(ticket=ticket, technician=technician, by=None)


@pytest.fixture
def job(technician, fault):
    return make_job(technician, fault=fault)
