from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tests.intake.conftest import jpeg_bytes, proven_code
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.intake.services import IntakeFile, intake_submit, triage_correct, triage_run
from tickets.models import (
    Attachment,
    Customer,
    Device,
    IntakeRecord,
    Ticket,
    TicketEvent,
    TriageCorrection,
    TriageResult,
)

IMEI = factories.make_imei(4242)


def _counts():
    return (Customer.objects.count(), Device.objects.count(), Ticket.objects.count(), Attachment.objects.count())


def test_intake_creates_customer_device_and_ticket_with_channel(taxonomy, phone_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(channel="web", name="张三", phone="+86 138-0013-8000", description="屏幕摔碎了，触摸失灵",
                               product_model=phone_model, serial=" ".join([IMEI[:5], IMEI[5:]]),
                               purchase_date=timezone.localdate() - dt.timedelta(days=30),
                               files=[IntakeFile("crack.jpg", jpeg_bytes(), "image/jpeg")])
    ticket = result.ticket
    assert result.outcome == IntakeRecord.Outcome.CREATED
    assert ticket.channel == "web"
    assert ticket.customer.phone == "13800138000"
    assert ticket.device.serial_number == IMEI
    assert ticket.device.owner == ticket.customer
    assert ticket.attachments.count() == 1
    assert ticket.number in result.message


def test_customer_and_device_are_matched_not_duplicated(taxonomy, phone_model):
    customer = factories.CustomerFactory(phone="13800138000", name="李四")
    device = factories.DeviceFactory(product_model=phone_model, owner=customer, serial_number=IMEI)
    result = intake_submit(channel="phone", phone="0086 138 0013 8000", description="手机开不了机",
                           product_model=phone_model, serial=f"{IMEI[:8]}-{IMEI[8:]}")
    assert result.ticket.customer == customer
    assert result.ticket.device == device
    assert Customer.objects.count() == 1
    assert Device.objects.count() == 1


def test_a_new_reporter_is_written_in_one_statement_and_a_known_one_is_read_as_before(taxonomy, phone_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def customer_statements(**report):
        with CaptureQueriesContext(connection) as ctx:
            result = intake_submit(channel="app", description="手机开不了机", product_model=phone_model, **report)
        return result, [q["sql"].split(" ")[0] for q in ctx.captured_queries if '"tickets_customer"' in q["sql"]
                        and "tickets_ticket\"" not in q["sql"]]

    new, statements = customer_statements(phone="13800138001", name="王五", email="wang@example.com")
    assert statements == ["INSERT"]
    assert (new.ticket.customer.name, new.ticket.customer.email) == ("王五", "wang@example.com")
    known = factories.CustomerFactory(phone="13800138002", name="李四", email="")
    again, statements = customer_statements(phone="13800138002", name="别名", email="li@example.com")
    # The insert yields to the known row, which is then read; an unproven report changes nothing of it.
    assert statements == ["INSERT", "SELECT"]
    known.refresh_from_db()
    assert again.ticket.customer == known
    assert (known.name, known.email) == ("李四", "")
    assert Customer.objects.count() == 2


def test_known_serial_without_model_finds_the_device(taxonomy, phone_model):
    device = factories.DeviceFactory(product_model=phone_model, serial_number=IMEI)
    result = intake_submit(channel="app", name="王五", phone="13912345678", description="电池鼓包", serial=IMEI)
    assert result.ticket.device == device
    assert result.ticket.product_model == phone_model


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"serial": "861234567890123"}, "serial"),  # bad Luhn check digit
        ({"serial": "12345"}, "serial"),
        ({"phone": "12345"}, "phone"),
        ({"description": "   "}, "description"),
        ({"purchase_date": dt.date.today() + dt.timedelta(days=3)}, "purchase_date"),
        ({"email": "not-an-email"}, "email"),
        ({"files": [IntakeFile("photo.jpg", b"this is not an image", "image/jpeg")]}, "files"),
        ({"files": [IntakeFile("clip.avi", b"RIFF....", "video/x-msvideo")]}, "files"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_refused_with_a_localized_error_and_nothing_is_created(taxonomy, phone_model, overrides, field):
    data = {"channel": "web", "name": "张三", "phone": "13800138000", "description": "屏幕碎了",
            "product_model": phone_model, "serial": IMEI, "files": [IntakeFile("ok.jpg", jpeg_bytes(), "image/jpeg")]}
    data.update(overrides)
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        intake_submit(**data)
    assert field in exc.value.extra["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))  # Chinese message
    assert _counts() == before


def test_oversized_image_is_refused(taxonomy, phone_model, settings):
    settings.ATTACHMENT_MAX_IMAGE_BYTES = 200
    with pytest.raises(ValidationFailed) as exc:
        intake_submit(channel="web", name="张三", phone="13800138000", description="屏幕碎了",
                      files=[IntakeFile("big.jpg", jpeg_bytes((400, 400)), "image/jpeg")])
    assert "files" in exc.value.extra["fields"]
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0


def test_same_device_same_category_within_window_links_to_the_open_ticket(taxonomy, phone_model,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = intake_submit(channel="phone", name="张三", phone="13800138000", description="屏幕摔碎了",
                              product_model=phone_model, serial=IMEI).ticket
    with django_capture_on_commit_callbacks(execute=True):
        second = intake_submit(channel="web", phone="13800138000", description="手机屏幕裂了，触摸也不灵了",
                               product_model=phone_model, serial=IMEI, otp_code=proven_code(),
                               files=[IntakeFile("more.jpg", jpeg_bytes(), "image/jpeg")])
    assert second.is_duplicate
    assert second.ticket == first
    assert first.number not in second.message  # the answer may reach whoever typed phone and IMEI
    assert Ticket.objects.count() == 1
    event = TicketEvent.objects.get(ticket=first, kind="ticket.duplicate_report")
    assert event.customer_visible
    assert first.attachments.count() == 1


def test_other_category_or_outside_window_opens_a_new_ticket(taxonomy, phone_model, settings,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = intake_submit(channel="phone", name="张三", phone="13800138000", description="屏幕摔碎了",
                              product_model=phone_model, serial=IMEI).ticket
        other = intake_submit(channel="phone", phone="13800138000", description="充不进电，换了充电器也不行",
                              product_model=phone_model, serial=IMEI)
    assert not other.is_duplicate
    assert other.ticket != first
    settings.TICKET_DUPLICATE_WINDOW_DAYS = 3
    Ticket.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    late = intake_submit(channel="phone", phone="13800138000", description="屏幕碎了", product_model=phone_model,
                         serial=IMEI)
    assert not late.is_duplicate


def test_external_id_makes_a_retry_return_the_first_result(taxonomy, phone_model):
    kwargs = {"channel": "ecommerce", "name": "张三", "phone": "13800138000", "description": "冰箱不制冷",
              "external_id": "JD-20261122-0001"}
    first = intake_submit(**kwargs)
    again = intake_submit(**kwargs)
    assert again.replayed
    assert again.ticket == first.ticket
    assert Ticket.objects.count() == 1
    # the same external id on another channel is another message
    assert intake_submit(**{**kwargs, "channel": "app"}).ticket != first.ticket


def test_confident_report_is_triaged_and_routed(taxonomy, phone_model, center, django_capture_on_commit_callbacks):
    far = factories.ServiceCenterFactory(code="SH02", city="上海市", latitude=Decimal("31.000000"),
                                         longitude=Decimal("121.200000"), service_modes=["walk_in"])
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(channel="web", name="张三", phone="13800138000", description="屏幕碎了，能换吗",
                               product_model=phone_model, serial=IMEI, city="上海市",
                               latitude=Decimal("31.230000"), longitude=Decimal("121.500000"))
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.fault_category.code == "phone.display"
    assert ticket.predicted_category.code == "phone.display"
    assert ticket.prediction_confidence >= 0.6
    assert ticket.department == "hardware"
    assert ticket.service_mode == "walk_in"
    assert ticket.service_center == center != far
    triage = TriageResult.objects.get(ticket=ticket)
    assert triage.auto_triaged
    assert not triage.needs_review
    assert triage.candidates[0]["code"] == "phone.display"


def test_unclear_report_waits_in_the_triage_queue(taxonomy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # Something is wrong but not what ("请尽快联系我" alone is, rightly, a request for a call back).
        result = intake_submit(channel="web", name="张三", phone="13800138000", description="机器有点问题，麻烦看看")
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Ticket.Status.NEW
    assert ticket.fault_category is None
    assert TriageResult.objects.get(ticket=ticket).needs_review


def test_triage_run_is_idempotent(taxonomy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake_submit(channel="web", name="张三", phone="13800138000", description="冰箱不制冷").ticket
    assert triage_run(ticket_id=ticket.pk) is None
    assert TriageResult.objects.filter(ticket=ticket).count() == 1


def test_agent_correction_is_recorded_and_triages(taxonomy, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake_submit(channel="phone", name="张三", phone="13800138000", description="那个东西坏了").ticket
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        triage_correct(ticket=ticket, fault_category=taxonomy["washer.spinning"], by=agent)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.fault_category.code == "washer.spinning"
    correction = TriageCorrection.objects.get(ticket=ticket)
    assert correction.corrected_by == agent
    assert correction.to_category.code == "washer.spinning"
    result = TriageResult.objects.get(ticket=ticket)
    assert not result.needs_review
    assert result.reviewed_by == agent


def test_correction_of_a_triaged_ticket_recategorizes(taxonomy, agent, phone_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake_submit(channel="phone", name="张三", phone="13800138000", description="屏幕碎了",
                               product_model=phone_model).ticket
    ticket.refresh_from_db()
    assert ticket.fault_category.code == "phone.display"
    triage_correct(ticket=ticket, fault_category=taxonomy["phone.water_damage"], by=agent)
    ticket.refresh_from_db()
    assert ticket.fault_category.code == "phone.water_damage"
    correction = TriageCorrection.objects.get(ticket=ticket)
    assert correction.from_category.code == "phone.display"
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.recategorized").exists()


def test_correction_needs_permission_and_a_leaf(taxonomy, technician, agent):
    ticket = factories.TicketFactory()
    with pytest.raises(PermissionDeniedError):
        triage_correct(ticket=ticket, fault_category=taxonomy["phone.display"], by=technician.user)
    with pytest.raises(ValidationFailed):
        triage_correct(ticket=ticket, fault_category=taxonomy["phone"], by=agent)
    assert not TriageCorrection.objects.exists()


def test_merged_duplicate_notifies_the_customer_through_the_outbox(taxonomy, phone_model,
                                                                   django_capture_on_commit_callbacks):
    from tickets.models import OutboxMessage

    with django_capture_on_commit_callbacks(execute=True):
        intake_submit(channel="phone", name="张三", phone="13800138000", description="屏幕摔碎了",
                      product_model=phone_model, serial=IMEI)
    with django_capture_on_commit_callbacks(execute=True):
        dup = intake_submit(channel="web", phone="13800138000", description="屏幕碎了", product_model=phone_model,
                            serial=IMEI, otp_code=proven_code())
    event = TicketEvent.objects.get(ticket=dup.ticket, kind="ticket.duplicate_report")
    messages = OutboxMessage.objects.filter(ticket_event=event)
    assert messages.exists()
    assert any("合并" in m.body for m in messages)
    assert all(len(m.body) <= 70 for m in messages.filter(channel="sms"))
