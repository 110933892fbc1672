"""E-mail intake against a real aiosmtpd server on a free local port, fed by smtplib (no mocks)."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller

from tests import factories
from tests.intake.conftest import jpeg_bytes
from tickets.intake.email import IntakeSMTPHandler
from tickets.models import Attachment, Ticket, TicketEvent

MAILBOX = "service@example.com"
IMEI = factories.make_imei(5151)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(transactional_db):
    controller = Controller(IntakeSMTPHandler([MAILBOX]), hostname="127.0.0.1", port=_free_port(),
                            enable_SMTPUTF8=True)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def email_taxonomy(transactional_db):
    from tickets.intake.taxonomy import taxonomy_sync

    taxonomy_sync()
    from tickets.intake.services import classifier_train

    classifier_train()


def _send(server, *, subject, body, sender="zhang@example.com", attachments=(), message_id=None, to=MAILBOX):
    msg = EmailMessage()
    msg["From"] = f"张三 <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    msg.set_content(body)
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP(server.hostname, server.port) as client:
        client.send_message(msg)
    return msg["Message-ID"]


def test_mail_becomes_a_ticket_with_attachments(smtp_server, email_taxonomy, settings):
    settings.TRIAGE_MIN_CONFIDENCE = 0.8  # a mail's signature and fields dilute the report's words
    model = factories.ProductModelFactory(code="P60", name="P60")
    _send(smtp_server, subject="手机屏幕摔碎了",
          body=f"你好，我的手机摔了一下屏幕碎了。\n手机：138 0013 8000\n型号：P60\nIMEI：{IMEI}\n购买日期：2026-05-01\n\n-- \n张三",
          attachments=[("screen.jpg", jpeg_bytes(), "image", "jpeg"),
                       ("invoice.pdf", b"%PDF-1.4 invoice", "application", "pdf")])
    ticket = Ticket.objects.get()
    assert ticket.channel == "email"
    assert ticket.customer.phone == "13800138000"
    assert ticket.customer.email == "zhang@example.com"
    assert ticket.device.serial_number == IMEI
    assert ticket.device.product_model == model
    kinds = sorted(ticket.attachments.values_list("kind", flat=True))
    assert kinds == [Attachment.Kind.DOCUMENT, Attachment.Kind.IMAGE]
    assert "张三" not in ticket.description.split("\n")[-1]  # signature stripped
    assert ticket.status == Ticket.Status.TRIAGED  # triage ran after commit in the server thread


def test_redelivered_message_is_ingested_once(smtp_server, email_taxonomy):
    mid = make_msgid(domain="example.com")
    for _ in range(2):
        _send(smtp_server, subject="冰箱不制冷", body="冰箱冷藏室不冷了，电话13800138000", message_id=mid)
    assert Ticket.objects.count() == 1


def test_reply_with_ticket_number_is_a_follow_up(smtp_server, email_taxonomy):
    customer = factories.CustomerFactory(phone="13800138000", email="zhang@example.com")
    ticket = factories.TicketFactory(customer=customer)
    _send(smtp_server, subject=f"Re: 关于工单 {ticket.number} 的补充", body="补充一张照片。\n\n> 原邮件内容",
          attachments=[("more.jpg", jpeg_bytes(), "image", "jpeg")])
    assert Ticket.objects.count() == 1
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.customer_message")
    assert event.customer_visible
    assert "原邮件" not in event.message
    assert ticket.attachments.filter(purpose=Attachment.Purpose.EMAIL).count() == 1


def test_a_stranger_naming_a_ticket_number_never_writes_onto_it(smtp_server, email_taxonomy, mailoutbox):
    """A ticket number is on receipts and SMS: knowing it adds nothing to the ticket. With a phone the
    mail becomes the sender's own new report; without, the sender is asked for one, and neither answer
    names the ticket."""
    ticket = factories.TicketFactory(customer=factories.CustomerFactory(email="owner@example.com"))
    before = set(ticket.events.values_list("pk", flat=True))
    _send(smtp_server, subject=f"Re: {ticket.number}", body="我是客户，地址改成xx路", sender="someone@other.com")
    _send(smtp_server, subject=f"{ticket.number} 补充", body="手机坏了，电话 13911112222", sender="other@other.com")
    assert set(ticket.events.values_list("pk", flat=True)) == before
    assert not ticket.attachments.exists()
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.customer.phone == "13911112222"
    to_strangers = [m for m in mailoutbox if m.to != ["owner@example.com"]]
    assert to_strangers
    assert all(ticket.number not in (m.subject + m.body) for m in to_strangers)


def test_a_reply_to_our_reply_address_is_added_whoever_sends_it(smtp_server, email_taxonomy, settings):
    """The customer answers from another mailbox: the reply token in the address our e-mail gave proves it."""
    from tickets.links import ticket_reply_address, ticket_reply_token
    from tickets.models import OutboxMessage
    from tickets.outbox.backends import DjangoEmailBackend

    settings.INTAKE_MAILBOXES = [MAILBOX]
    ticket = factories.TicketFactory(customer=factories.CustomerFactory(email="owner@example.com"))
    sent = OutboxMessage(idempotency_key="k", event="x", channel="email", ticket=ticket, customer=ticket.customer,
                         to_address="owner@example.com", subject="工单进度", body="您好")
    from django.core import mail

    DjangoEmailBackend().send(sent)
    reply_to = mail.outbox[-1].reply_to
    assert reply_to == [ticket_reply_address(ticket)] == [f"service+r{ticket_reply_token(ticket)}@example.com"]
    _send(smtp_server, subject=f"Re: 工单 {ticket.number}", body="补充：晚上在家", sender="wife@family.cn",
          to=reply_to[0])
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.customer_message")
    assert event.customer_visible
    forged = "service+r0123456789abcdef@example.com"
    _send(smtp_server, subject=f"Re: 工单 {ticket.number}", body="改地址 13911113333", sender="x@evil.cn", to=forged)
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.customer_message").count() == 1


def test_mail_without_phone_gets_a_reply_and_creates_nothing(smtp_server, email_taxonomy, mailoutbox):
    _send(smtp_server, subject="洗衣机不脱水", body="洗衣机不脱水了", sender="nophone@example.com")
    assert not Ticket.objects.exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nophone@example.com"]
    assert "手机号" in mailoutbox[0].body


def test_invalid_imei_gets_a_reply_and_creates_nothing(smtp_server, email_taxonomy, mailoutbox):
    factories.ProductModelFactory(code="P60", name="P60")
    _send(smtp_server, subject="开不了机", body="手机 13800138000 型号：P60 IMEI：861234567890123")
    assert not Ticket.objects.exists()
    assert "IMEI" in mailoutbox[0].body


def test_other_recipients_are_refused(smtp_server, email_taxonomy):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(smtp_server, subject="spam", body="13800138000 spam", to="nobody@example.com")
    assert not Ticket.objects.exists()
