from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(anon_client):
    response = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_every_technician_operation_names_the_token_it_takes(schema):
    assert schema["components"]["securitySchemes"]["knoxApiToken"]["in"] == "header"
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/") and "auth/login" not in path:
            for method, operation in item.items():
                assert {"knoxApiToken": []} in operation.get("security", []), (method, path)


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    error_ref = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "extra"}
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            responses = operation["responses"]
            errors = [code for code in responses if code.startswith(("4", "5"))]
            assert errors, f"{method} {path} documents no error"
            for code in errors:
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == error_ref, (method, path, code)
            if method == "post" and "auth" not in path:
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, path


def test_docs_are_served_without_a_cdn(anon_client):
    response = anon_client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
