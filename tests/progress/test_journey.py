"""One on-site paid phone repair from the customer's web report to closure, through every interface:
the customer form, auto-dispatch, the technician's API, the customer's signature on the progress
page, QC, hand-back, the survey and the agent's close in the admin. It asserts exactly what the
customer receives and reads."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parts.labels import label_payload
from parts.services import serial_units_receive
from repairs.services import price_item_upsert
from tests import factories
from tests.api.flow import PASSWORD, jpeg_bytes, png_b64
from tests.intake.conftest import taxonomy  # noqa: F401 - the shipped taxonomy and classifier
from tests.progress.helpers import png_signature
from tickets.models import OutboxMessage, Ticket, TicketEvent
from tickets.outbox.services import gateway_text

pytestmark = pytest.mark.django_db

IMEI = factories.make_imei(4242)
# The city as customers type it: "上海", not the full "上海市".
CITY = "上海"


def _api(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _login(user) -> str:
    response = APIClient().post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD,
                                                       "device": "journey"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _ok(response, status=(200, 201)):
    assert response.status_code in status, (response.status_code, response.content[:400])
    return response.json() if response.content else None


def _world(taxonomy):  # noqa: F811
    center = factories.ServiceCenterFactory(code="SH-XH", name="上海徐汇服务中心", city="上海市", district="徐汇区")
    tech = factories.TechnicianFactory(center=center, name="李工", phone="13812345678",
                                       skills=sorted({c.required_skill for c in taxonomy.values() if c.required_skill}), product_categories=["phone"])
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    inspector = factories.TechnicianFactory(center=center, is_qc_inspector=True, name="质检员",
                                            skills=[], product_categories=[])
    inspector.user.groups.add(Group.objects.get(name="质检"))
    model = factories.ProductModelFactory(code="P60", name="P60", brand="华为", category="phone", uses_imei=True)
    customer = factories.CustomerFactory(name="王小明", phone="13900001234", city=CITY, district="徐汇区",
                                         address="漕溪北路 88 号")
    # a sales record: bought 60 days ago, in warranty until the technician finds drop damage
    factories.DeviceFactory(product_model=model, owner=customer, serial_number=IMEI,
                            purchase_date=timezone.localdate() - dt.timedelta(days=60))
    part = factories.PartFactory(name="P60 屏幕总成", retail_price=Decimal("699.00"), is_serialized=True)
    part.compatible_models.add(model)
    location = factories.LocationFactory(center=center, code=f"LOC-{uuid.uuid4().hex[:6]}")
    factories.StockLevelFactory(part=part, location=location, on_hand=0)
    units = serial_units_receive(part=part, location=location, serials=["SCR-J-1"], by=None)
    today = timezone.localdate()
    for code in taxonomy:  # the price list: the screen and the labour, for whatever triage decides
        fault = taxonomy[code]
        price_item_upsert(product_model=model, fault_category=fault, kind="part", code="P-SCREEN", name="屏幕总成",
                          unit_price=Decimal("699.00"), part=part, valid_from=today - dt.timedelta(days=30))
        price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L-SCREEN",
                          name="更换屏幕工时", unit_price=Decimal("80.00"), valid_from=today - dt.timedelta(days=30))
    return {"tech": tech, "inspector": inspector, "part": part, "label": label_payload(units[0]),
            "customer": customer, "model": model}


def _page(client, ticket) -> str:
    response = client.get(ticket.get_tracking_url())
    assert response.status_code == 200
    return response.content.decode()


def _sms(ticket) -> list[str]:
    return list(OutboxMessage.objects.filter(ticket=ticket, channel="sms", customer__isnull=False).order_by("pk")
                .values_list("body", flat=True))


def test_an_on_site_paid_repair_from_report_to_closure(client, taxonomy, agent, settings,  # noqa: F811
                                                       django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://fw.example.cn"
    world = _world(taxonomy)
    broadcasts: list[dict] = []
    import tickets.realtime as realtime

    original = realtime.broadcast_ticket_event

    def record(ticket_id, payload):
        broadcasts.append(payload)
        original(ticket_id, payload)

    realtime.broadcast_ticket_event = record
    try:
        _journey(client, world, agent, django_capture_on_commit_callbacks, broadcasts)
    finally:
        realtime.broadcast_ticket_event = original


def _journey(client, world, agent, capture, broadcasts):  # noqa: PLR0915 - one story, told in order
    tech, inspector, part = world["tech"], world["inspector"], world["part"]

    # 1. the customer reports on the web form; triage and auto-dispatch follow on commit
    with capture(execute=True):
        response = client.post("/submit/", {
            "name": "王小明", "phone": "139 0000 1234", "description": "手机摔了一下屏幕碎了，触摸失灵", "serial": IMEI,
            "product_model": world["model"].pk, "service_mode": "on_site", "city": CITY, "district": "徐汇区",
            "address": "漕溪北路 88 号", "idempotency_key": "journey-1"})
    assert response.status_code == 302, response.content[:500]
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.ASSIGNED, ticket.get_status_display()
    assert ticket.technician_id == tech.pk
    page = _page(client, ticket)
    assert "¥779.00" in page  # the estimate is the price list: screen 699 + labour 80
    estimate = (ticket.price_min, ticket.price_max)
    assert estimate == (Decimal("779.00"), Decimal("779.00"))

    # 2. the technician works the job over the API
    token = _login(tech.user)
    api = _api(token)
    base = f"/api/v1/jobs/{ticket.pk}"
    with capture(execute=True):
        _ok(api.post(f"{base}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY=f"accept-{ticket.pk}"))
        _ok(api.post(f"{base}/depart/", {"eta_minutes": 30}, format="json"))
        _ok(api.post(f"{base}/check-in/", {"latitude": "31.190000", "longitude": "121.437000"}, format="json"))
        _ok(api.post(f"{base}/repair/open/", {}, format="json"))
        before = _ok(api.post(f"{base}/attachments/", {"file": _upload("before.jpg"), "purpose": "evidence"},
                              format="multipart"))
        order = _ok(api.post(f"{base}/repair/diagnose/", {
            "fault_code": "phone.display", "findings": "外屏碎裂，显示异常", "cause": "跌落",
            "exclusions": [{"code": "drop", "evidence": [before["id"]], "note": "跌落致外屏碎裂"}],
        }, format="json"))
    assert order["status"] == "quoting"
    assert order["in_warranty"] is False
    page = _page(client, ticket)
    assert 'data-binding="1"' in page  # the card shows the binding verdict now, not the intake preview
    assert "工程师 李工 检测判定" in page
    with capture(execute=True):
        quote = _ok(api.post(f"{base}/repair/quotes/", {"lines": [
            {"kind": "part", "part_id": part.pk}, {"kind": "labor", "description": "更换屏幕工时"},
        ]}, format="json"))
        _ok(api.post(f"{base}/repair/quotes/{quote['id']}/send/", {}, format="json"))
    assert quote["total"] == "779.00"  # the quote starts from the price list, as the estimate did
    page = _page(client, ticket)
    assert 'data-kind="quote"' in page
    assert "¥779.00" in page

    # 3. the customer signs on the progress page, with the one-time code a paid quote needs
    quote_url = reverse("progress:quote", kwargs={"token": ticket.tracking_token, "quote_id": quote["id"]})
    with capture(execute=True):
        client.post(quote_url, {"action": "send_code", "version": quote["version"]})
    code = _last_code(ticket)
    with capture(execute=True):
        response = client.post(quote_url, {"action": "approve", "version": quote["version"], "signer_name": "王小明",
                                           "signature": png_signature(), "otp_code": code})
    assert response.status_code == 302, response.content[:400]

    # 4. repair, QC and hand-back
    with capture(execute=True):
        _ok(api.post(f"{base}/repair/start/", {}, format="json"))
        _ok(api.post(f"{base}/repair/fit-part/", {"part_id": part.pk, "serial_payload": world["label"],
                                                  "old_serial": "OLD-1"}, format="json"))
        _ok(api.post(f"{base}/attachments/", {"file": _upload("after.jpg"), "purpose": "after"},
                     format="multipart"))
        _ok(api.post(f"{base}/repair/submit-qc/", {"work_done": "更换屏幕总成"}, format="json"))
    qc = _api(_login(inspector.user))
    detail = _ok(qc.get(f"/api/v1/qc/{ticket.pk}/"))
    with capture(execute=True):
        _ok(qc.post(f"/api/v1/qc/{ticket.pk}/pass/", {"checklist": {i["code"]: True for i in detail["checklist"]}},
                    format="json"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.READY
    page = _page(client, ticket)
    assert "取机" not in page  # on-site: nothing to collect at a service centre
    assert "请当面验机并签收" in page
    # a paid repair is handed back against its money: first refused, then the fee is taken in cash
    refused = api.post(f"{base}/repair/hand-back/", {"signer_name": "王小明", "signature_png": png_b64()},
                       format="json")
    assert refused.status_code == 409, refused.content
    assert "¥779.00 尚未收款" in refused.json()["message"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.READY
    with capture(execute=True):
        _ok(api.post(f"{base}/payment/record/", {"method": "cash", "amount": "779.00", "reference": "SJ-1"},
                     format="json"))
    seen = len(broadcasts)
    with capture(execute=True):
        _ok(api.post(f"{base}/repair/hand-back/", {"signer_name": "王小明", "signature_png": png_b64()},
                     format="json"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    # the survey invitation reaches an open page without a reload
    assert "survey.sent" in [b["event"]["kind"] for b in broadcasts[seen:] if b["event"]["customer_visible"]]
    page = _page(client, ticket)
    assert 'id="survey-link"' in page

    # 5. the survey, then the agent closes with an internal note
    survey_path = OutboxMessage.objects.get(ticket=ticket, channel="sms", milestone="survey")
    code = survey_path.body.rsplit("/l/", 1)[1]
    target = client.get(f"/l/{code}")["Location"]
    with capture(execute=True):
        client.post(target, {"action": "send_code"})
    code = _last_code(ticket)
    with capture(execute=True):
        response = client.post(target, {"speed": 5, "attitude": 5, "result": 5, "nps": 10, "comment": "很快",
                                        "otp_code": code})
    assert response.status_code in (200, 302)
    assert "感谢" in client.get(target).content.decode()
    client.force_login(agent)
    with capture(execute=True):
        client.post(reverse("admin:tickets_ticket_act", args=[ticket.pk]),
                    {"_transition": "close", "_reason": "回访完成，内部结单"})
    client.logout()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED

    # what the customer received: one SMS per milestone, in order, each one segment
    messages = _sms(ticket)
    print("\nSMS:")
    for body in messages:
        print(f"  ({len(body)}) {body}")
    short = r"https://fw\.example\.cn/l/[A-Za-z0-9]{10}"
    # the one-time codes the customer asked for on the quote and on the survey (not milestones); the
    # stored text keeps the code masked, only the gateway receives it
    CODE = r".*●{6}.*"  # noqa: N806
    expected = [
        rf"【售后服务】报修已受理，单号{ticket.number}，进度 {short}",
        rf"【售后服务】已安排工程师李工为您服务，详情 {short}",
        rf"【售后服务】工程师李工已出发，预计\d\d:\d\d到达 {short}",
        rf"【售后服务】检测完成：.+，需付费维修，详情 {short}",
        rf"【售后服务】维修报价¥779\.00，请确认 {short}",
        CODE,
        rf"【售后服务】设备已修好，正在质检，详情 {short}",
        rf"【售后服务】维修已完成并通过质检，详情 {short}",
        rf"【售后服务】服务已完成，请评价（14天内有效） {short}",
        CODE,
    ]
    assert len(messages) == len(expected), messages
    for body, pattern in zip(messages, expected, strict=True):
        assert re.fullmatch(pattern, body), (body, pattern)
        assert len(body) <= 70
    assert not any("内部" in b for b in OutboxMessage.objects.filter(ticket=ticket).values_list("body", flat=True))

    # what the customer reads on the page: the timeline, oldest first
    timeline = [(e.kind, e.message) for e in TicketEvent.objects.filter(ticket=ticket, customer_visible=True)]
    print("TIMELINE:")
    for kind, message in timeline:
        print(f"  {kind}: {message}")
    kinds = [k for k, _m in timeline]
    assert kinds.count("ticket.estimate") == 1
    assert kinds.index("visit.departed") < kinds.index("visit.checked_in")
    page = _page(client, ticket)
    assert "内部结单" not in page
    shown = re.findall(r'<li data-event="\d+" data-kind="([a-z_.]+)">', page)
    assert "ticket.waiting_customer" not in shown  # the quote step is told once, by the workshop
    from tickets.progress.selectors import customer_timeline, ticket_visible_events

    print("PAGE TIMELINE (oldest first):")
    items = customer_timeline(ticket_visible_events(ticket=ticket))
    for item in items:
        print(f"  {item.label}" + (f" — {item.message}" if item.message else ""))
    assert [item.label for item in items] == [
        "工单已创建", "已受理，正在安排服务", "三包与价格预估", "已为您安排工程师", "工程师已出发", "工程师已到达",
        "工程师已开始处理", "设备已接收，开始检测", "维修进度", "维修进度", "维修进度", "维修进度", "已更换备件",
        "维修进度", "维修进度", "已收款", "服务已完成", "已发送满意度调查邀请", "工单已关闭",
    ]
    assert [item.message for item in items if item.label == "维修进度"] == [
        items[8].message, "请确认维修报价：应付 ¥779.00", "客户 王小明 已确认报价 v1（¥779.00）", "开始维修",
        "维修完成，正在质检", "质检通过",
    ]
    assert "需付费" in items[8].message or "收费" in items[8].message


def _last_code(ticket) -> str:
    body = gateway_text(OutboxMessage.objects.filter(ticket=ticket, event="otp.code").latest("pk"))
    return re.search(r"(?<!\d)\d{6}(?!\d)", body).group(0)


def _upload(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")
