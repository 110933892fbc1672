"""A whole job done through the API alone: the same script runs in-process (APIClient) and against
the running ASGI server (httpx), see test_whole_job.py and test_e2e.py."""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image, ImageDraw

from parts.labels import label_payload
from parts.services import serial_units_receive
from repairs.dispatch.services import dispatch_to
from repairs.services import price_item_upsert
from tests import factories
from tickets.models import Ticket
from tickets.services import ticket_triage

PASSWORD = "demo-pass-2026"
# call(method, path, *, json=None, files=None, data=None, token=None, headers=None) -> (status, body)
Call = Callable[..., tuple[int, Any]]


def png_b64() -> str:
    image = Image.new("RGB", (240, 90), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (120, 70), (200, 15)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def jpeg_bytes(color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(out, "JPEG")
    return out.getvalue()


def setup_world() -> dict:
    """A center with stock of a serialized screen, a customer's phone, an on-site ticket offered to
    a technician by dispatch, and a QC inspector of the same center. Only setup: all work is API."""
    tech = factories.TechnicianFactory()
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    inspector = factories.TechnicianFactory(center=tech.center, is_qc_inspector=True)
    inspector.user.groups.add(Group.objects.get(name="质检"))
    location = factories.LocationFactory(center=tech.center, code=f"LOC-{uuid.uuid4().hex[:6]}")
    part = factories.PartFactory(name="屏幕总成", retail_price=Decimal("699.00"), is_serialized=True)
    factories.StockLevelFactory(part=part, location=location, on_hand=0)
    units = serial_units_receive(part=part, location=location, serials=["SCR-E2E-1"], by=None)
    model = factories.ProductModelFactory(brand="华为", category="phone")
    customer = factories.CustomerFactory()
    device = factories.DeviceFactory(product_model=model, owner=customer, invoice_number="INV-1",
                                     purchase_price=Decimal("3999.00"))
    fault = factories.FaultCategoryFactory(code="screen", name="屏幕故障")
    today = timezone.localdate()
    price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L-SCREEN", name="更换屏幕工时",
                      unit_price=Decimal("80"), valid_from=today - dt.timedelta(days=30))
    ticket = factories.TicketFactory(customer=customer, device=device, service_mode="on_site")
    # With committed transactions (live server) intake's triage and auto-dispatch run on commit.
    ticket.refresh_from_db()
    if ticket.status == Ticket.Status.NEW:
        ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    ticket.refresh_from_db()
    if ticket.technician_id != tech.pk:
        dispatch_to(ticket=ticket, technician=tech, by=None)
    ticket.refresh_from_db()
    return {"tech": tech, "inspector": inspector, "ticket": ticket, "part": part, "customer": customer,
            "label": label_payload(units[0])}


def run_whole_job(call: Call, world: dict) -> dict:
    """Log in, take the job, go there, diagnose, quote, get the customer's signature, fit the scanned
    part, hand over to QC (which passes it), hand the device back. Returns what the test checks."""
    tech, ticket, part = world["tech"], world["ticket"], world["part"]
    ok = {200, 201}

    status, body = call("post", "/api/v1/auth/login/",
                        json={"username": tech.user.username, "password": PASSWORD, "device": "e2e"})
    assert status == 200, body
    token = body["token"]

    def step(method: str, path: str, expect: set[int] | int = ok, **kwargs: Any) -> Any:
        status, body = call(method, path, token=token, **kwargs)
        expected = {expect} if isinstance(expect, int) else expect
        assert status in expected, (method, path, status, body)
        return body

    job_id = ticket.pk
    base = f"/api/v1/jobs/{job_id}"
    jobs = step("get", "/api/v1/jobs/?status=assigned")
    assert [j["id"] for j in jobs["results"]] == [job_id]
    detail = step("get", f"{base}/")
    assert detail["customer"]["phone"] == world["customer"].phone  # active: full number
    step("post", f"{base}/accept/", headers={"Idempotency-Key": f"accept-{job_id}"})
    step("post", f"{base}/depart/")
    visit = step("post", f"{base}/check-in/", json={"latitude": "31.230500", "longitude": "121.473800"})
    assert visit["distance_m"] is not None
    assert visit["is_far"] is False
    order = step("post", f"{base}/repair/open/", expect=201)
    assert order["status"] == "diagnosing"
    step("post", f"{base}/attachments/", expect=201, files={"file": ("before.jpg", jpeg_bytes(), "image/jpeg")},
         data={"purpose": "before"})
    order = step("post", f"{base}/repair/diagnose/",
                 json={"fault_code": "phone.display", "findings": "屏幕无显示", "cause": "排线老化"})
    assert order["status"] == "quoting"
    assert order["in_warranty"] is True
    quote = step("post", f"{base}/repair/quotes/", expect=201, json={"lines": [
        {"kind": "part", "part_id": part.pk, "unit_price": "699.00"},
        {"kind": "labor", "description": "更换屏幕工时", "unit_price": "80.00"},
    ]})
    assert quote["under_warranty"] is True
    assert quote["total"] == "0.00"
    step("post", f"{base}/repair/quotes/{quote['id']}/send/")
    key = {"Idempotency-Key": f"approve-{quote['id']}"}
    signature = {"signer_name": "张三", "signature_png": png_b64()}
    approved = step("post", f"{base}/repair/quotes/{quote['id']}/approve/", json=signature, headers=key)
    assert approved["status"] == "approved"
    # the phone lost the answer and retries: the first response comes back, nothing changes
    assert step("post", f"{base}/repair/quotes/{quote['id']}/approve/", json=signature, headers=key) == approved
    step("post", f"{base}/repair/start/")
    unit = step("post", f"{base}/scan-part/", json={"payload": world["label"]})
    assert unit["serial"] == "SCR-E2E-1"
    fitted = step("post", f"{base}/repair/fit-part/", expect=201,
                  json={"part_id": part.pk, "serial_payload": world["label"], "old_serial": "OLD-1"})
    assert fitted["serial"] == "SCR-E2E-1"
    step("post", f"{base}/attachments/", expect=201, files={"file": ("after.jpg", jpeg_bytes((1, 2, 3)), "image/jpeg")},
         data={"purpose": "after"})
    order = step("post", f"{base}/repair/submit-qc/", json={"work_done": "更换屏幕总成"})
    assert order["status"] == "qc"

    # the QC inspector of the same center
    status, body = call("post", "/api/v1/auth/login/",
                        json={"username": world["inspector"].user.username, "password": PASSWORD})
    assert status == 200, body
    qc_token = body["token"]
    status, queue = call("get", "/api/v1/qc/queue/", token=qc_token)
    assert status == 200, queue
    assert [j["id"] for j in queue["results"]] == [job_id]
    status, qc = call("get", f"/api/v1/qc/{job_id}/", token=qc_token)
    assert status == 200, qc
    assert all("检查项" in p for p in qc["problems"]), qc  # only the checklist is left to confirm
    checklist = {item["code"]: True for item in qc["checklist"]}
    status, passed = call("post", f"/api/v1/qc/{job_id}/pass/", token=qc_token, json={"checklist": checklist})
    assert status == 200, passed
    assert passed["status"] == "ready"

    order = step("post", f"{base}/repair/hand-back/", json={"signer_name": "张三", "signature_png": png_b64()})
    assert order["status"] == "passed"
    final = step("get", f"{base}/")
    assert final["status"] == "resolved"
    assert "****" in final["customer"]["phone"]  # no longer active: masked
    step("post", "/api/v1/auth/logout/", expect=204)
    status, _body = call("get", "/api/v1/me/", token=token)
    assert status == 401
    return {"job": final, "quote": approved}
