from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_404_in_chinese_by_default_and_english_on_request(tech_client):
    zh = tech_client.get("/api/v1/jobs/999999/")
    assert zh.status_code == 404
    assert zh.json()["code"] == "not_found"
    en = tech_client.get("/api/v1/jobs/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 404
    assert zh.json()["message"] != en.json()["message"]
    assert zh.json()["message"] == "未找到。"
    assert en.json()["message"] == "Not found."


def test_validation_errors_carry_field_errors_localized(tech_client):
    zh = tech_client.get("/api/v1/jobs/?created_from=not-a-date")
    assert zh.status_code == 400
    body = zh.json()
    assert body["code"] == "invalid"
    assert "created_from" in body["extra"]["fields"]
    en = tech_client.get("/api/v1/jobs/?created_from=not-a-date", HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()["extra"]["fields"]["created_from"][0].startswith("Date has wrong format")
    assert zh.json()["extra"]["fields"]["created_from"] != en.json()["extra"]["fields"]["created_from"]


def test_403_for_a_role_without_access(client_factory_user):
    response = client_factory_user.get("/api/v1/jobs/")
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "extra"}
    assert response.json()["code"] == "not_technician"


@pytest.fixture
def client_factory_user(agent):
    from tests.api.conftest import client_for

    return client_for(agent)


def test_domain_error_maps_to_its_status_and_code(tech_client, job):
    from tests.api.flow import png_b64

    response = tech_client.post(f"/api/v1/jobs/{job.pk}/repair/hand-back/", {
        "resolution": "已更换屏幕", "signer_name": "王小明", "signature_png": png_b64()}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["extra"]["current"]["status"] == "assigned"
