from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.intake.conftest import jpeg_bytes, proven_code
from tickets.models import Customer, Ticket

IMEI = factories.make_imei(777)


def _post(client, **overrides):
    data = {"name": "张三", "phone": "138 0013 8000", "description": "摔了一下屏幕花屏", "serial": IMEI,
            "service_mode": "", "city": "上海市", "district": "浦东新区", "address": "", "idempotency_key": "k1"}
    data.update(overrides)
    return client.post("/submit/", data)


def test_form_renders_mobile_first_with_help_link(client, taxonomy, phone_model):
    response = client.get("/submit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html
    assert 'href="/help/"' in html
    assert 'type="file"' in html
    assert "multiple" in html
    assert phone_model.name in html


def test_submit_creates_a_ticket_and_links_to_progress(client, taxonomy, phone_model, django_capture_on_commit_callbacks):
    photo = SimpleUploadedFile("screen.jpg", jpeg_bytes(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, product_model=phone_model.pk, files=[photo])
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.attachments.count() == 1
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert ticket.number in done.content.decode()
    assert f"/t/{ticket.tracking_token}/" in done.content.decode()


def test_double_submit_returns_the_first_ticket(client, taxonomy, phone_model):
    first = _post(client, product_model=phone_model.pk)
    second = _post(client, product_model=phone_model.pk)
    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1


def test_duplicate_report_says_so(client, taxonomy, phone_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, product_model=phone_model.pk, idempotency_key="a")
    response = _post(client, product_model=phone_model.pk, idempotency_key="b", description="屏幕碎了",
                     otp_code=proven_code())  # the reporter proved the phone with the SMS code
    ticket = Ticket.objects.get()
    assert ticket.tracking_token not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "已添加" in page
    assert ticket.number not in page
    assert Ticket.objects.count() == 1


def test_bad_input_shows_localized_errors_and_creates_nothing(client, taxonomy, phone_model):
    bad_image = SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg")
    response = _post(client, product_model=phone_model.pk, serial="861234567890123", files=[bad_image],
                     description="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "IMEI" in html
    assert "请描述故障现象" in html
    assert "不是有效的图片" in html
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_on_site_needs_an_address(client, taxonomy):
    response = _post(client, service_mode="on_site", address="")
    assert response.status_code == 400
    assert "详细地址" in response.content.decode()


def test_confirmation_shows_category_and_warranty(client, taxonomy, phone_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, product_model=phone_model.pk, purchase_date="2026-10-01")
    html = client.get(response["Location"]).content.decode()
    assert "屏幕显示" in html
    ticket = Ticket.objects.get()
    assert ticket.warranty_preview["summary"] in html, ticket.warranty_preview
