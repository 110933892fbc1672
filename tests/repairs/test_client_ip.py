"""The signer's address recorded from the admin is the customer's, not our reverse proxy's."""

from __future__ import annotations

from django.test import RequestFactory

from repairs.admin import _ip


def test_admin_signer_ip_believes_only_our_proxy(settings):
    settings.NUM_PROXIES = 1
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert _ip(request) == "203.0.113.7"
    settings.NUM_PROXIES = 0
    assert _ip(request) == "10.0.0.1"
