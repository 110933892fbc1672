"""The technician list a dispatcher reads: skills by name, load against capacity and whether the app
is signed in, in one query whatever the number of technicians; skills ticked by name in the form."""

from __future__ import annotations

import pytest
from knox.models import AuthToken

from tests import factories
from tickets.models import TicketAssignment

pytestmark = pytest.mark.django_db

URL = "/admin/repairs/technician/"


def test_the_list_shows_skills_load_and_app_sign_in(client, superuser):
    center = factories.ServiceCenterFactory()
    busy = factories.TechnicianFactory(center=center, skills=["screen", "refrigeration", "acme-x"], capacity=2)
    idle = factories.TechnicianFactory(center=center, skills=[])
    # load is the dispatch's measure: active assignments (offered or accepted), not finished ones
    for status in ("offered", "accepted", "done"):
        TicketAssignment.objects.create(ticket=factories.TicketFactory(), technician=busy, status=status)
    AuthToken.objects.create(user=busy.user)
    client.force_login(superuser)
    page = client.get(URL).content.decode()
    assert "屏幕、制冷、acme-x" in page  # a company's own code shows as itself
    assert '<span class="bo-bad">2 / 2</span>' in page
    assert "refrigeration" not in page
    assert page.count('alt="True"') >= 2  # busy is signed in (and on duty)
    assert idle.name in page


def test_the_list_costs_the_same_queries_for_many_technicians(client, superuser, django_assert_max_num_queries):
    center = factories.ServiceCenterFactory()
    factories.TechnicianFactory(center=center)
    client.force_login(superuser)
    client.get(URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(15):
        tech = factories.TechnicianFactory(center=factories.ServiceCenterFactory())
        AuthToken.objects.create(user=tech.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_skills_are_ticked_by_name_and_own_codes_survive(client, superuser):
    tech = factories.TechnicianFactory(skills=["screen", "acme-x"])
    client.force_login(superuser)
    form = client.get(f"{URL}{tech.pk}/change/").content.decode()
    assert 'type="checkbox" name="skills" value="screen"' in form
    assert "屏幕" in form
    assert "acme-x" in form
