"""The permission matrix: each role × each endpoint → allowed or refused (401 / 403 / 404).

"allowed" means the request got past authentication and authorisation: whatever the answer
(200, 201, 400 for the empty body, 409 when the state does not allow it), never 401/403/404/5xx.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests import factories
from tests.api.conftest import client_for, make_job
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

TECH, QC, ANY = "tech", "qc", "any"
# (method, path template, audience): {job} is a job of the technician, {qc_job} one in QC at their center
ENDPOINTS = [
    ("get", "/api/v1/me/", ANY),
    ("get", "/api/v1/jobs/", TECH),
    ("get", "/api/v1/jobs/sync/", TECH),
    ("post", "/api/v1/tickets/", TECH),
    ("get", "/api/v1/van/stock/", TECH),
    ("get", "/api/v1/van/requests/", TECH),
    ("post", "/api/v1/van/requests/", TECH),
    ("get", "/api/v1/jobs/{job}/", TECH),
    ("post", "/api/v1/jobs/{job}/accept/", TECH),
    ("post", "/api/v1/jobs/{job}/decline/", TECH),
    ("post", "/api/v1/jobs/{job}/depart/", TECH),
    ("post", "/api/v1/jobs/{job}/check-in/", TECH),
    ("post", "/api/v1/jobs/{job}/start/", TECH),
    ("post", "/api/v1/jobs/{job}/wait-customer/", TECH),
    ("post", "/api/v1/jobs/{job}/wait-parts/", TECH),
    ("post", "/api/v1/jobs/{job}/resume/", TECH),
    ("post", "/api/v1/jobs/{job}/submit-qc/", TECH),
    ("post", "/api/v1/jobs/{job}/finish/", TECH),
    ("post", "/api/v1/jobs/{job}/notes/", TECH),
    ("post", "/api/v1/jobs/{job}/attachments/", TECH),
    ("post", "/api/v1/jobs/{job}/scan-part/", TECH),
    ("post", "/api/v1/jobs/{job}/reservations/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/open/", TECH),
    ("get", "/api/v1/jobs/{job}/repair/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/diagnose/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/warranty-decision/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/quotes/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/quotes/1/send/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/quotes/1/approve/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/quotes/1/decline/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/start/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/wait-parts/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/parts-arrived/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/fit-part/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/submit-qc/", TECH),
    ("post", "/api/v1/jobs/{job}/repair/hand-back/", TECH),
    ("get", "/api/v1/qc/queue/", QC),
    ("get", "/api/v1/qc/{qc_job}/", QC),
    ("post", "/api/v1/qc/{qc_job}/fail/", QC),  # 400 without a reason: still in the queue for pass
    ("post", "/api/v1/qc/{qc_job}/pass/", QC),
]

# role -> what it gets on (TECH list, TECH job-specific, QC list, QC job-specific)
ALLOWED, UNAUTH, FORBIDDEN, HIDDEN = "allowed", 401, 403, 404
ROLES = {
    "anonymous": (UNAUTH, UNAUTH, UNAUTH, UNAUTH),
    "technician": (ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN),
    "other_technician": (ALLOWED, HIDDEN, FORBIDDEN, FORBIDDEN),
    "qc_inspector": (ALLOWED, HIDDEN, ALLOWED, ALLOWED),
    "qc_other_center": (FORBIDDEN, FORBIDDEN, ALLOWED, HIDDEN),
    "agent": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "dispatcher": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "manager": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "warehouse_user": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ops_user": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "superuser": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
}


def expected(role: str, path: str, audience: str) -> object:
    if audience == ANY:
        return UNAUTH if role == "anonymous" else ALLOWED
    specific = "{" in path
    index = {(TECH, False): 0, (TECH, True): 1, (QC, False): 2, (QC, True): 3}[(audience, specific)]
    return ROLES[role][index]


@pytest.fixture
def world(technician, other_technician, fault):
    job = make_job(technician, fault=fault)
    qc_job = make_job(technician, fault=fault)
    ticket_transition(ticket=qc_job, transition="start", by=None)
    ticket_transition(ticket=qc_job, transition="submit_qc", by=None)
    return {"job": job.pk, "qc_job": qc_job.pk}


def user_for(role: str, request, technician):
    if role == "anonymous":
        return None
    if role == "technician":
        return technician.user
    if role == "other_technician":
        return request.getfixturevalue("other_technician").user
    if role == "qc_inspector":
        inspector = factories.TechnicianFactory(center=technician.center, is_qc_inspector=True)
        inspector.user.groups.add(Group.objects.get(name="质检"))
        return inspector.user
    if role == "qc_other_center":
        qc_user = request.getfixturevalue("qc_user")
        factories.ServiceCenterFactory(code="QC-OTHER").managers.add(qc_user)
        return qc_user
    return request.getfixturevalue(role)


@pytest.mark.parametrize("role", list(ROLES))
def test_permission_matrix(role, request, technician, world):
    user = user_for(role, request, technician)
    client = client_for(user) if user is not None else APIClient()
    problems = []
    for method, template, audience in ENDPOINTS:
        path = template.format(**world)
        response = getattr(client, method)(path, {}, format="json") if method == "post" else client.get(path)
        want = expected(role, template, audience)
        got = response.status_code
        if got >= 500:
            problems.append(f"{method.upper()} {path}: {got}")
        elif want == ALLOWED and got in (401, 404) and not _object_missing(response):
            problems.append(f"{method.upper()} {path}: expected allowed, got {got} {response.content[:120]!r}")
        elif want == ALLOWED and got == 403 and response.json()["code"] in ("not_technician", "not_qc_inspector"):
            problems.append(f"{method.upper()} {path}: expected allowed, refused by role")
        elif want != ALLOWED and got != want:
            problems.append(f"{method.upper()} {path}: expected {want}, got {got}")
        if got >= 400:
            assert set(response.json()) == {"code", "message", "extra"}, path
    assert not problems, "\n".join(problems)


def _object_missing(response) -> bool:
    """An allowed user may still get 404 for a sub-object that does not exist (no repair order or
    quote yet): the code says so, it is not the job being hidden."""
    return response.status_code == 404 and response.json()["code"] == "no_repair_order" or (
        response.status_code == 404 and "/repair/" in response.wsgi_request.path
    )


def test_list_endpoints_filter_in_the_queryset(technician, other_technician, fault):
    """Another technician's jobs never appear in my list, my sync or my QC queue."""
    make_job(other_technician, fault=fault)
    client = client_for(technician.user)
    assert client.get("/api/v1/jobs/").json()["results"] == []
    assert client.get("/api/v1/jobs/sync/").json()["jobs"] == []
