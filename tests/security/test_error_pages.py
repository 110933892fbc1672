"""Errors answer with the product's own Chinese pages: no traceback, no URL list, no settings."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
def test_404_is_the_products_page_without_the_url_list(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "css/public.css" in page
    assert "URLconf" not in page
    assert "admin/" not in page
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.security.urls")
@pytest.mark.parametrize(("url", "status", "text"), [
    ("/boom/", 500, "服务暂时不可用"),
    ("/forbidden/", 403, "无权访问"),
    ("/bad/", 400, "请求无效"),
])
def test_error_pages_are_localized_and_leak_nothing(url, status, text):
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert "css/public.css" in page
    for leak in ("Traceback", "REDIS_URL", "secret-host"):
        assert leak not in page


@pytest.mark.django_db
def test_csrf_failure_page_is_localized():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/track/", {"number": "SR1", "phone_last4": "1234"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
