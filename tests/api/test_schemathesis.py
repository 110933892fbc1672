"""Property-based run over the whole /api/v1/ schema (schemathesis, in-process against the WSGI app).

Every operation gets a small, deterministic set of generated requests (hypothesis derandomized,
a few examples each), authenticated as a technician who has a real job; the checks: no server
error, every status code, content type and body as the schema documents them (errors included).
"""

from __future__ import annotations

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api_urls import schema_patterns
from config.wsgi import application
from tests.api.conftest import make_job

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema_dict() -> dict:
    """The document /api/schema/ serves, as JSON-compatible data."""
    import json

    from rest_framework.renderers import JSONRenderer

    document = SchemaGenerator(patterns=schema_patterns).get_schema(request=None, public=True)
    return json.loads(JSONRenderer().render(document))


schema = schemathesis.openapi.from_dict(_schema_dict())
schema.app = application


@pytest.fixture
def token(db, technician, fault):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from knox.models import AuthToken

    make_job(technician, fault=fault)
    # As Django's test client does: requests must not close the test transaction's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield AuthToken.objects.create(user=technician.user)[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, token):
    if case.operation.path in ("/api/v1/auth/logout/", "/api/v1/auth/logout-all/"):
        # revoking the token would turn every later example into a 401: these run anonymous
        case.call_and_validate(checks=CHECKS)
        return
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
