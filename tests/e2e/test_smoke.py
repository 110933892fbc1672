"""Smoke test: the real server process starts and a demo user logs into the admin over HTTP."""

from __future__ import annotations

import re

import httpx
import pytest
from django.conf import settings

from tests import factories
from tests.live import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_server_starts_and_agent_logs_into_admin():
    from django.contrib.auth.models import Group

    user = factories.UserFactory(username="agent", is_staff=True)
    user.groups.add(Group.objects.get(name="客服"))
    ticket = factories.TicketFactory()
    with live_server() as base, httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
        page = client.get("/admin/login/")
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        wrong = client.post("/admin/login/", data={"csrfmiddlewaretoken": token, "username": "agent",
                                                   "password": "wrong"}, headers={"Referer": f"{base}/admin/login/"})
        assert wrong.status_code == 200  # the form again, with an error, and no session
        assert "sessionid" not in client.cookies
        response = client.post("/admin/login/?next=/admin/", data={
            "csrfmiddlewaretoken": token, "username": "agent", "password": settings.DEMO_PASSWORD,
            "next": "/admin/"}, headers={"Referer": f"{base}/admin/login/"})
        assert response.status_code == 302, response.text[:500]
        assert response.headers["location"] == "/admin/"
        home = client.get("/admin/")
        assert home.status_code == 200
        assert "售后工单" in home.text
        tickets = client.get("/admin/tickets/ticket/")
        assert tickets.status_code == 200
        assert ticket.number in tickets.text
