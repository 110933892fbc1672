"""What the technicians' app needs from the API: the code lists of a job, quote lines from the
price list by code, one documented order of calls with deprecated aliases, and the QC queue of the
QC role."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from repairs.services import price_item_upsert, repair_order_open
from tests import factories
from tests.api.conftest import client_for
from tests.api.flow import setup_world
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return setup_world()


def test_codes_list_the_fault_table_exclusions_and_price_items(world, django_assert_max_num_queries):
    client = client_for(world["tech"].user)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/jobs/{world['ticket'].pk}/codes/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] == "phone"
    codes = {f["code"]: f for f in body["fault_codes"]}
    assert "phone.display" in codes
    assert codes["phone.display"]["label"]
    assert body["exclusions"]
    assert all(e["code"] and e["label"] for e in body["exclusions"])
    assert [(i["code"], i["kind"], i["unit_price"]) for i in body["price_items"]] == [("L-SCREEN", "labor", "80.00")]


def test_codes_of_someone_elses_job_are_not_found(world, other_technician):
    response = client_for(other_technician.user).get(f"/api/v1/jobs/{world['ticket'].pk}/codes/")
    assert response.status_code == 404


def _quoting(world):
    from repairs.services import repair_diagnose

    tech = world["tech"]
    order = repair_order_open(ticket=world["ticket"], by=tech.user)
    return repair_diagnose(repair_order=order, fault_code="phone.display", findings="无显示", by=tech.user)


def test_a_labour_line_by_price_item_code_takes_the_list_name_and_price(world):
    _quoting(world)
    model = world["ticket"].device.product_model
    price_item_upsert(product_model=model, fault_category=world["ticket"].fault_category, kind="service",
                      code="S-CLEAN", name="清洁保养", unit_price=Decimal("30"),
                      valid_from=timezone.localdate() - dt.timedelta(days=1))
    client = client_for(world["tech"].user)
    response = client.post(f"/api/v1/jobs/{world['ticket'].pk}/repair/quotes/", {"lines": [
        {"price_item_code": "L-SCREEN"}, {"price_item_code": "S-CLEAN", "quantity": 2, "chargeable": True},
    ]}, format="json")
    assert response.status_code == 201, response.content
    lines = response.json()["lines"]
    assert [(ln["kind"], ln["description"], ln["unit_price"], ln["quantity"]) for ln in lines] == [
        ("labor", "更换屏幕工时", "80.00", 1), ("service", "清洁保养", "30.00", 2)]


def test_an_unknown_price_item_code_is_refused_and_writes_nothing(world):
    order = _quoting(world)
    client = client_for(world["tech"].user)
    response = client.post(f"/api/v1/jobs/{world['ticket'].pk}/repair/quotes/",
                           {"lines": [{"price_item_code": "NOPE"}]}, format="json")
    assert response.status_code == 400
    assert "NOPE" in response.json()["message"]
    assert not order.quotes.exists()


def test_a_line_needs_a_kind_or_a_price_item_code(world):
    _quoting(world)
    client = client_for(world["tech"].user)
    response = client.post(f"/api/v1/jobs/{world['ticket'].pk}/repair/quotes/",
                           {"lines": [{"description": "x", "unit_price": "1.00"}]}, format="json")
    assert response.status_code == 400


@pytest.fixture
def schema(anon_client):
    return anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_one_path_per_action_and_the_order_of_calls_is_documented(schema):
    paths = schema["paths"]
    # the duplicates stay for one release, and they are the only operations marked deprecated
    deprecated = {path for path, item in paths.items() for op in item.values()
                  if isinstance(op, dict) and op.get("deprecated")}
    assert deprecated == {"/api/v1/jobs/{job_id}/submit-qc/", "/api/v1/jobs/{job_id}/finish/"}
    hand_back = paths["/api/v1/jobs/{job_id}/repair/hand-back/"]["post"]
    assert "resolution" in str(schema["components"]["schemas"]["HandBackInRequest"]["properties"])
    assert hand_back["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/HandBackOut")
    description = schema["info"]["description"]
    order = ["auth/login/", "jobs/sync/", "me/route/", "check-in/", "repair/diagnose/", "repair/submit-qc/",
             "qc/queue/", "repair/hand-back/"]
    assert [description.index(step) for step in order] == sorted(description.index(step) for step in order)
    assert "调用顺序" in description
    assert "Sunset" in description
    assert "故障代码" in paths["/api/v1/jobs/{job_id}/codes/"]["get"]["summary"]


def test_the_technician_api_guide_documents_the_same_order_and_the_removed_paths():
    from pathlib import Path

    from django.conf import settings

    guide = (Path(settings.BASE_DIR) / "docs" / "technician-api.md").read_text(encoding="utf-8")
    order = ["auth/login/", "jobs/sync/", "me/route/", "check-in/", "repair/diagnose/", "repair/submit-qc/",
             "qc/queue/", "repair/hand-back/"]
    assert [guide.index(step) for step in order] == sorted(guide.index(step) for step in order)
    assert "Deprecation: true" in guide
    assert "`POST jobs/{id}/finish/`" in guide


def test_the_qc_role_sees_the_queue_of_tickets_in_quality_check(world, anon_client):
    from repairs.services import quote_approve, quote_create, quote_send, repair_start, repair_submit_qc
    from tests.api.flow import jpeg_bytes, png_b64

    order = _quoting(world)
    tech = world["tech"].user
    quote = quote_create(repair_order=order, lines=[{"kind": "labor", "description": "工时", "unit_price": 1}],
                         by=tech)
    quote = quote_send(quote=quote, by=tech)
    quote_approve(quote=quote, signature_png=base64.b64decode(png_b64()), signer_name="张三", ip=None, user_agent="", by=tech)
    order = repair_start(repair_order=order, by=tech)
    repair_submit_qc(repair_order=order, by=tech, work_done="换屏", after_photos=[("a.jpg", jpeg_bytes())])
    assert Ticket.objects.get(pk=world["ticket"].pk).status == Ticket.Status.QUALITY_CHECK
    qc_user = factories.UserFactory(username="qc-role")
    qc_user.groups.add(Group.objects.get(name="质检"))
    response = client_for(qc_user).get("/api/v1/qc/queue/")
    assert response.status_code == 200
    assert [j["id"] for j in response.json()["results"]] == [world["ticket"].pk]


@pytest.mark.parametrize("endpoint", ["depart", "check-in"])
def test_a_replayed_visit_step_on_a_cancelled_job_is_a_conflict_with_its_state(world, endpoint):
    from tickets.services import ticket_transition

    ticket = world["ticket"]
    client = client_for(world["tech"].user)
    assert client.post(f"/api/v1/jobs/{ticket.pk}/accept/").status_code == 200
    root = factories.UserFactory(username="root-cancel", is_staff=True, is_superuser=True)
    ticket_transition(ticket=Ticket.objects.get(pk=ticket.pk), transition="cancel", by=root, message="客户取消")
    body = {"latitude": "31.230500", "longitude": "121.473800"} if endpoint == "check-in" else {}
    response = client.post(f"/api/v1/jobs/{ticket.pk}/{endpoint}/", body, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["extra"]["current"]["status"] == "cancelled"
    assert "已取消" in response.json()["message"]
    assert not ticket.events.filter(kind__startswith="visit.").exists()
