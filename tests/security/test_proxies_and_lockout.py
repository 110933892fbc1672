"""A spoofed X-Forwarded-For neither dodges throttles nor lockouts, and one user's typos lock only them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory, override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle

from config.proxies import client_ip
from tests import factories


def test_throttles_ignore_a_forwarded_for_from_the_client():
    request = Request(APIRequestFactory().get("/api/v1/me/", REMOTE_ADDR="10.0.0.5",
                                              HTTP_X_FORWARDED_FOR="1.2.3.4"))
    assert AnonRateThrottle().get_ident(request) == "10.0.0.5"


def test_client_ip_believes_only_our_own_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.0.0.1"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"  # what our one proxy saw; the client's own entry is ignored


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_wrong_passwords_lock_that_user_at_that_address_not_the_whole_centre(client):
    staff = Group.objects.get(name="客服")
    typist = factories.UserFactory(username="typist", is_staff=True)
    colleague = factories.UserFactory(username="colleague", is_staff=True)
    for user in (typist, colleague):
        user.set_password("right-pass-2026")
        user.save()
        user.groups.add(staff)
    nat = {"REMOTE_ADDR": "10.20.30.40"}
    for _ in range(3):
        client.post("/admin/login/", {"username": "typist", "password": "wrong"}, **nat)
    locked = client.post("/admin/login/", {"username": "typist", "password": "right-pass-2026"}, **nat)
    assert locked.status_code in (403, 429)
    # the colleague behind the same NAT address still signs in
    ok = client.post("/admin/login/", {"username": "colleague", "password": "right-pass-2026"}, **nat)
    assert ok.status_code == 302
