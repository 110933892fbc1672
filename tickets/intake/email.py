"""E-mail intake: messages to the service mailbox become tickets, or follow-ups on the ticket whose
number (SR20261122-000123) is in the subject. Attachments are kept.

A ticket number is printed on receipts and SMS and proves nothing: a reply is added to the ticket only
when it comes from the ticket customer's e-mail address, or when it is sent to the reply address of
our e-mails about that ticket (``service+r<token>@…``, the ticket's secret reply token, also accepted
as ``[ref:<token>]`` in the subject). Any other mail naming a ticket is handled as a new report, and
its sender learns nothing about the ticket it named.

``email_ingest`` parses one RFC 5322 message and calls the intake services; ``IntakeSMTPHandler``
is the aiosmtpd handler that the ``mail_intake`` management command runs as a real SMTP server.
The Message-ID is the idempotency key, so a message delivered twice (a relay retrying after a
timeout) changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.mail import send_mail
from django.db import close_old_connections, connections
from django.utils.translation import gettext as _

from tickets.exceptions import ValidationFailed
from tickets.links import ticket_reply_token
from tickets.models import Attachment, Channel, Customer, ProductModel, Ticket

from .services import TICKET_NUMBER_RE, IntakeFile, IntakeResult, intake_follow_up, intake_submit

logger = logging.getLogger("tickets.intake.email")

_PHONE_RE = re.compile(r"(?:\+?86[\s\-]?)?(1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4})")
_SERIAL_RE = re.compile(r"(?:IMEI|序列号|S/?N)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9\- ]{3,40}[A-Za-z0-9])", re.I)
_MODEL_RE = re.compile(r"型号\s*[:：]\s*([^\s，,。;；]+)")
_DATE_RE = re.compile(r"购买日期\s*[:：]?\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})")
_ADDRESS_RE = re.compile(r"地址\s*[:：]\s*([^\n]+)")
_TAG_RE = re.compile(r"<[^>]+>")


def service_mailboxes() -> list[str]:
    """Addresses whose mail is turned into tickets (``INTAKE_MAILBOXES`` or DEFAULT_FROM_EMAIL's)."""
    configured = getattr(settings, "INTAKE_MAILBOXES", None)
    if configured:
        return [a.lower() for a in configured]
    return [parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()]


@dataclass
class ParsedEmail:
    message_id: str
    sender_name: str
    sender: str
    subject: str
    body: str
    files: list[IntakeFile]
    recipients: tuple[str, ...] = ()


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(_TAG_RE.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)))
    lines = []
    for line in text.splitlines():
        if line.strip() in ("--", "-- "):  # signature separator
            break
        if line.lstrip().startswith(">"):  # quoted reply
            continue
        if re.match(r"^\s*(在|On) .+(写道|wrote)[:：]\s*$", line):
            break
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def email_parse(raw: bytes) -> ParsedEmail:
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    message_id = (msg.get("Message-ID") or "").strip()
    if not message_id:  # no id: the content itself identifies a redelivery
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    name, address = parseaddr(str(msg.get("From", "")))
    files = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename() or f"attachment.{part.get_content_subtype()}"
        ctype = part.get_content_type()
        kind = None if ctype.startswith(("image/", "video/")) else Attachment.Kind.DOCUMENT
        files.append(IntakeFile(name=filename, data=data, content_type=ctype, kind=kind))
    recipients = tuple(a.lower() for _n, a in getaddresses(
        [str(v) for h in ("To", "Cc", "Delivered-To", "X-Original-To") for v in (msg.get_all(h) or [])]) if a)
    return ParsedEmail(message_id=message_id[:255], sender_name=name.strip(), sender=address.strip().lower(),
                       subject=str(msg.get("Subject", "")).strip(), body=_body_text(msg), files=files,
                       recipients=recipients)


_REF_RE = re.compile(r"\[ref:([0-9a-f]{16})\]", re.I)


def _reply_proven(mail: ParsedEmail, ticket: Ticket) -> bool:
    """Whether the mail proves it belongs on ``ticket``: sent from the customer's address, or carrying
    the ticket's reply token (in the reply address or the subject)."""
    if mail.sender and mail.sender == (ticket.customer.email or "").strip().lower():
        return True
    token = ticket_reply_token(ticket)
    carried = [a.partition("@")[0].partition("+")[2] for a in mail.recipients]
    carried += [m.group(1).lower() for m in _REF_RE.finditer(mail.subject)]
    return any(hmac.compare_digest(c, f"r{token}") or hmac.compare_digest(c, token) for c in carried)


def _product_model(text: str) -> ProductModel | None:
    match = _MODEL_RE.search(text)
    if not match:
        return None
    value = match.group(1).strip()
    return (ProductModel.objects.filter(code__iexact=value).first()
            or ProductModel.objects.filter(name__iexact=value).first())


def _purchase_date(text: str) -> dt.date | None:
    match = _DATE_RE.search(text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _reply(to: str, subject: str, body: str) -> None:
    if not to:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except Exception:  # a failed auto-reply must not bounce the inbound message
        logger.exception("auto-reply to %s failed", to)


def email_ingest(*, raw: bytes) -> IntakeResult | None:
    """Turn one inbound message into a ticket or a follow-up; idempotent by Message-ID.

    A subject naming an existing ticket adds a follow-up only with proof (the customer's address or
    the ticket's reply token, see the module); without proof the mail is a new report. Otherwise the
    sender is matched to a customer by e-mail,
    or by a mobile number in the message; product model, IMEI/serial, purchase date and address are
    read from ``型号：…`` / ``IMEI：…`` / ``购买日期：…`` / ``地址：…`` lines. When the report cannot
    be accepted (no phone number, invalid IMEI …) the sender gets a reply saying why and nothing is
    stored; returns None then.
    """
    mail = email_parse(raw)
    text = f"{mail.subject}\n{mail.body}"
    number = TICKET_NUMBER_RE.search(mail.subject)
    if number:
        ticket = Ticket.objects.select_related("customer").filter(number=number.group(0)).first()
        if ticket is not None and _reply_proven(mail, ticket):
            try:
                return intake_follow_up(
                    ticket=ticket, channel=Channel.EMAIL, message=mail.body, files=mail.files,
                    external_id=mail.message_id, customer_visible=True, sender=mail.sender,
                )
            except ValidationFailed as exc:
                _reply(mail.sender, _("您的邮件未能添加到工单 %(number)s") % {"number": ticket.number},
                       str(exc.message))
                return None

    customer = Customer.objects.filter(email__iexact=mail.sender).first() if mail.sender else None
    phone = customer.phone if customer else ""
    if not phone:
        match = _PHONE_RE.search(text)
        phone = re.sub(r"[\s\-]", "", match.group(1)) if match else ""
    if not phone:
        _reply(mail.sender, _("请补充联系电话以便受理您的报修"),
               _("您好，我们收到了您的报修邮件，但邮件中没有手机号码。请回复本邮件并注明手机号，我们会尽快为您创建工单。"))
        return None
    serial_match = _SERIAL_RE.search(text)
    address_match = _ADDRESS_RE.search(mail.body)
    description = mail.body or mail.subject
    if mail.subject and mail.subject not in description:
        description = f"{mail.subject}\n{description}"
    try:
        return intake_submit(
            channel=Channel.EMAIL, phone=phone, name=(customer.name if customer else mail.sender_name
                                                      or mail.sender.split("@")[0]),
            email=mail.sender, description=description, product_model=_product_model(text),
            serial=serial_match.group(1).strip() if serial_match else "", purchase_date=_purchase_date(text),
            address=address_match.group(1).strip() if address_match else "", files=mail.files,
            external_id=mail.message_id, title=mail.subject[:120],
        )
    except ValidationFailed as exc:
        problems = "\n".join(f"- {m}" for msgs in (exc.extra.get("fields") or {}).values() for m in msgs)
        _reply(mail.sender, _("您的报修邮件未能受理"),
               _("您好，您的报修邮件有以下问题，请修改后重新发送：\n%(problems)s") % {"problems": problems or exc.message})
        return None


class IntakeSMTPHandler:
    """aiosmtpd handler: accepts mail for the service mailboxes only and ingests it before answering 250.

    Ingestion runs in a worker thread (the ORM is synchronous); an unexpected error answers 451 so
    that the sending server retries later, which the Message-ID makes safe.
    """

    def __init__(self, mailboxes: list[str] | None = None):
        self.mailboxes = [m.lower() for m in (mailboxes or service_mailboxes())]

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options):  # noqa: N802
        local, _at, domain = address.lower().partition("@")
        # replies come back to the mailbox's reply addresses (service+r<token>@…)
        if f"{local.partition('+')[0]}@{domain}" not in self.mailboxes:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        from asgiref.sync import sync_to_async

        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        try:
            await sync_to_async(_ingest_in_thread, thread_sensitive=False)(raw)
        except Exception:
            logger.exception("e-mail intake failed")
            return "451 4.3.0 temporary failure, please retry"
        return "250 2.0.0 message accepted"


def _ingest_in_thread(raw: bytes) -> None:
    close_old_connections()
    try:
        email_ingest(raw=raw)
    finally:
        # Worker threads come and go: never leave their database connections open.
        connections.close_all()
