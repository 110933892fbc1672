"""No ticket takeover from an IMEI or a phone number: only the ticket's customer, proven by the SMS code
sent to the ticket's phone, joins an open ticket; anyone else gets a new ticket flagged for staff, and no
answer ever reveals another ticket's token, number or existence."""

from __future__ import annotations

import base64

import pytest

from tests import factories
from tests.intake.conftest import jpeg_bytes, proven_code
from tickets.intake.services import intake_submit
from tickets.models import Channel, IntakeChannelKey, OutboxMessage, Ticket
from tickets.outbox.services import gateway_text

IMEI = factories.make_imei(4242)
VICTIM_PHONE = "138 0013 8000"
STRANGER_PHONE = "139 0000 1111"


def _web(client, **overrides):
    data = {"name": "张三", "phone": VICTIM_PHONE, "description": "摔了一下屏幕花屏", "serial": IMEI,
            "service_mode": "", "city": "上海市", "district": "浦东新区", "address": "", "idempotency_key": "v1"}
    data.update(overrides)
    return client.post("/submit/", data)


@pytest.fixture
def victim(client, taxonomy, phone_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _web(client, product_model=phone_model.pk)
    assert response.status_code == 302
    return Ticket.objects.get()


def _assert_hidden(text: str, ticket: Ticket) -> None:
    assert ticket.tracking_token not in text
    assert ticket.number not in text


def test_stranger_with_the_imei_gets_a_new_flagged_ticket_never_the_victims_token(client, victim, phone_model):
    events_before = victim.events.count()
    response = _web(client, product_model=phone_model.pk, phone=STRANGER_PHONE, name="李四",
                    description="屏幕碎了", idempotency_key="s1")
    assert response.status_code == 302
    _assert_hidden(response["Location"], victim)
    page = client.get(response["Location"]).content.decode()
    _assert_hidden(page, victim)
    own = Ticket.objects.exclude(pk=victim.pk).get()
    assert own.customer.phone == "13900001111"
    assert own.tracking_token in response["Location"]
    assert own.duplicate_of_id == victim.pk  # staff see it flagged
    assert own.events.filter(kind="ticket.possible_duplicate", customer_visible=False).exists()
    victim.refresh_from_db()
    assert victim.events.count() == events_before  # nothing written on the victim's timeline
    assert victim.customer.phone == "13800138000"


def test_the_same_phone_without_the_code_gets_its_own_flagged_ticket(client, victim, phone_model):
    """A phone number is no secret: typing the customer's phone and the IMEI merges nothing."""
    events_before = victim.events.count()
    response = _web(client, product_model=phone_model.pk, description="屏幕碎了", idempotency_key="v2")
    assert response.status_code == 302
    _assert_hidden(response["Location"], victim)
    _assert_hidden(client.get(response["Location"]).content.decode(), victim)
    own = Ticket.objects.exclude(pk=victim.pk).get()
    assert own.duplicate_of_id == victim.pk
    assert own.events.filter(kind="ticket.possible_duplicate", customer_visible=False).exists()
    assert victim.events.count() == events_before


def test_the_sms_code_on_the_form_proves_the_phone_and_merges(client, victim, phone_model):
    sent = client.post("/submit/", {"action": "send_code", "phone": VICTIM_PHONE, "name": "张三"})
    assert sent.status_code == 200
    assert "验证码已发送至 138****8000" in sent.content.decode()
    _assert_hidden(sent.content.decode(), victim)
    sms = OutboxMessage.objects.get(event="otp.code")
    assert sms.to_address == "13800138000"
    assert sms.ticket_id is None  # the code proves the phone, it names no ticket
    code = next(part for part in gateway_text(sms).replace("，", " ").split() if part.isdigit() and len(part) == 6)
    wrong = _web(client, product_model=phone_model.pk, description="屏幕碎了", idempotency_key="v3",
                 otp_code="000000" if code != "000000" else "111111")
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    assert Ticket.objects.count() == 1
    response = _web(client, product_model=phone_model.pk, description="屏幕碎了", idempotency_key="v4",
                    otp_code=code)
    assert response.status_code == 302
    _assert_hidden(response["Location"], victim)
    assert Ticket.objects.count() == 1
    assert victim.events.get(kind="ticket.duplicate_report").customer_visible


def test_a_code_for_another_phone_proves_nothing(client, victim, phone_model):
    code = proven_code(phone="13900001111")
    response = _web(client, product_model=phone_model.pk, description="屏幕碎了", idempotency_key="v5",
                    otp_code=code)
    assert response.status_code == 400
    assert Ticket.objects.count() == 1
    assert not victim.events.filter(kind="ticket.duplicate_report").exists()


def test_code_sends_are_rate_limited(client, taxonomy, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "code": "3/hour"}}
    statuses = [client.post("/submit/", {"action": "send_code", "phone": f"1390000{n:04d}"}).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert OutboxMessage.objects.filter(event="otp.code").count() == 3
    again = client.post("/submit/", {"action": "send_code", "phone": "13900000000"})
    assert again.status_code == 429


def test_flagged_ticket_is_visible_to_staff_in_the_admin(client, victim, phone_model, agent):
    _web(client, product_model=phone_model.pk, phone=STRANGER_PHONE, name="李四", description="屏幕碎了",
         idempotency_key="s1")
    client.force_login(agent)
    html = client.get("/admin/tickets/ticket/?duplicate_of__isempty=0").content.decode()
    assert "疑似重复" in html
    own = Ticket.objects.exclude(pk=victim.pk).get()
    assert own.number in html
    assert f">{victim.number}<" not in html


def test_api_intake_never_answers_with_another_tickets_number(client, victim, phone_model):
    _key, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    payload = {"name": "李四", "phone": STRANGER_PHONE, "description": "屏幕碎了", "product_model": phone_model.code,
               "serial": IMEI, "attachments": [{"filename": "a.jpg", "content_type": "image/jpeg",
                                                "data": base64.b64encode(jpeg_bytes()).decode()}]}
    stranger = client.post("/api/intake/v1/tickets/", payload, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert stranger.status_code == 201, stranger.json()
    _assert_hidden(stranger.content.decode(), victim)
    assert stranger.json()["duplicate"] is False
    unproven = client.post("/api/intake/v1/tickets/", {**payload, "phone": VICTIM_PHONE, "name": "张三"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert unproven.status_code == 201, unproven.json()
    assert unproven.json()["duplicate"] is False
    _assert_hidden(unproven.content.decode(), victim)
    sent = client.post("/api/intake/v1/phone-codes/", {"phone": VICTIM_PHONE}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert sent.status_code == 202, sent.content
    _assert_hidden(sent.content.decode(), victim)
    code = next(p for p in gateway_text(OutboxMessage.objects.get(event="otp.code")).replace("，", " ").split()
                if p.isdigit() and len(p) == 6)
    same = client.post("/api/intake/v1/tickets/", {**payload, "phone": VICTIM_PHONE, "name": "张三",
                                                   "otp_code": code},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert same.status_code == 200, same.json()
    body = same.json()
    assert body["duplicate"] is True
    assert body["number"] is None
    assert body["tracking_url"] is None
    _assert_hidden(same.content.decode(), victim)


def test_merge_message_never_names_the_ticket(victim, phone_model):
    """The same text is what an e-mail or API reply carries."""
    result = intake_submit(channel=Channel.EMAIL, phone=VICTIM_PHONE, description="屏幕碎了", serial=IMEI,
                           product_model=phone_model, otp_code=proven_code())
    assert result.is_duplicate
    assert result.ticket.pk == victim.pk
    _assert_hidden(result.message, victim)
    stranger = intake_submit(channel=Channel.EMAIL, phone=STRANGER_PHONE, name="李四", description="屏幕碎了",
                             serial=IMEI, product_model=phone_model)
    assert not stranger.is_duplicate
    assert stranger.ticket.pk != victim.pk
    _assert_hidden(stranger.message, victim)


ATTACKER_EMAIL = "attacker@example.com"


def test_phone_alone_never_changes_the_customer_or_reaches_the_stranger(
        client, taxonomy, phone_model, django_capture_on_commit_callbacks, mailoutbox):
    from tickets.models import Customer, OutboxMessage

    victim_customer = factories.CustomerFactory(phone="13800138000", name="张三", email="", address="",
                                                city="", district="", province="")
    with django_capture_on_commit_callbacks(execute=True):
        response = _web(client, phone=VICTIM_PHONE, name="李四", email=ATTACKER_EMAIL, serial="",
                        description="屏幕不亮了", city="北京市", district="朝阳区", address="建国路 1 号",
                        idempotency_key="a1")
    assert response.status_code == 302
    after = Customer.objects.get(pk=victim_customer.pk)
    assert (after.name, after.email, after.city, after.district, after.address) == ("张三", "", "", "", "")
    own = Ticket.objects.get()
    assert own.reported_contact == {"name": "李四", "email": ATTACKER_EMAIL}
    assert not OutboxMessage.objects.filter(to_address=ATTACKER_EMAIL).exists()
    assert all(ATTACKER_EMAIL not in m.to for m in mailoutbox)


def test_anonymous_merge_stays_off_the_customers_timeline(client, victim, phone_model,
                                                          django_capture_on_commit_callbacks):
    from tickets.models import OutboxMessage

    visible_before = victim.events.filter(customer_visible=True).count()
    # ids, not a count: on PostgreSQL sequences keep counting across tests
    outbox_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        response = _web(client, product_model=phone_model.pk, description="屏幕碎了 攻击者的文字", idempotency_key="v9",
                        email=ATTACKER_EMAIL, files=[_jpeg()])
    assert response.status_code == 302
    assert Ticket.objects.count() == 2  # the report is its own ticket, flagged for staff
    assert victim.events.filter(customer_visible=True).count() == visible_before
    assert not victim.attachments.exists()
    assert not OutboxMessage.objects.filter(ticket=victim).exclude(pk__lte=outbox_before).exists()
    page = client.get(f"/t/{victim.tracking_token}/").content.decode()
    assert "攻击者的文字" not in page


def test_merge_with_a_proven_phone_is_visible(victim, phone_model):
    result = intake_submit(channel=Channel.WEB, phone=VICTIM_PHONE, description="屏幕碎了", serial=IMEI,
                           product_model=phone_model, otp_code=proven_code())
    assert result.is_duplicate
    assert victim.events.get(kind="ticket.duplicate_report").customer_visible


def _jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.jpg", jpeg_bytes(), content_type="image/jpeg")


def test_two_integrations_on_one_channel_never_share_an_order_id(client, taxonomy, phone_model, settings):
    settings.SITE_URL = "https://service.example.com"
    _k1, raw1 = IntakeChannelKey.objects.create_key(name="店铺一", channel="app")
    _k2, raw2 = IntakeChannelKey.objects.create_key(name="店铺二", channel="app")
    payload = {"name": "张三", "phone": VICTIM_PHONE, "description": "屏幕碎了", "external_order_id": "A100"}
    first = client.post("/api/intake/v1/tickets/", payload, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Api-Key {raw1}", HTTP_HOST="evil.example.net")
    assert first.status_code == 201, first.json()
    assert first.json()["tracking_url"].startswith("https://service.example.com/")
    second = client.post("/api/intake/v1/tickets/", {**payload, "phone": STRANGER_PHONE, "name": "李四"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {raw2}")
    assert second.status_code == 201, second.json()
    assert second.json()["number"] != first.json()["number"]
    assert Ticket.objects.count() == 2
