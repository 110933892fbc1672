"""Rows stored before addresses had codes are placed by the data migration."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from tests import factories
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.django_db


def test_existing_customers_and_tickets_get_codes_and_a_position():
    ticket = factories.TicketFactory(customer=factories.CustomerFactory(latitude=None, longitude=None))
    # As stored before: typed names only, no codes, no coordinates.
    Customer.objects.filter(pk=ticket.customer_id).update(province="", city="上海", district="徐汇", province_code="",
                                                          city_code="", district_code="", latitude=None,
                                                          longitude=None)
    Ticket.objects.filter(pk=ticket.pk).update(province="", city="上海", district="徐汇", province_code="",
                                               city_code="", district_code="", latitude=None, longitude=None)
    other = factories.CustomerFactory(city="火星", district="", latitude=None, longitude=None)
    Customer.objects.filter(pk=other.pk).update(province_code="", city_code="", district_code="")

    import_module("tickets.migrations.0019_address_codes").place_customers_and_tickets(apps, None)

    customer = Customer.objects.get(pk=ticket.customer_id)
    assert (customer.city, customer.district, customer.district_code) == ("上海市", "徐汇区", "310104")
    assert customer.latitude is not None
    ticket.refresh_from_db()
    assert (ticket.province, ticket.district_code) == ("上海市", "310104")
    assert ticket.latitude is not None
    other.refresh_from_db()
    assert (other.city, other.province_code) == ("火星", "")  # left for a person to fix
