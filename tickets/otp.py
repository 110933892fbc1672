"""One-time SMS codes for customer actions that a link alone must not authorise.

A tracking link can be forwarded, guessed from a leaked page or obtained by a stranger; approving a
paid quote or answering the survey in the customer's name needs proof that the person holds the
ticket's phone. The code goes out through the outbox as an SMS (the console backend in development
and tests). Nothing stored holds it: the code row keeps a salted hash, and the outbox row keeps the
text with the code masked; the code is derived from the server's secret and the row's salt and put
into the text only at the hand-over to the SMS gateway, so no staff role (nor a database reader
without the secret) can read a valid code. A code expires after ``OTP_TTL``, tolerates ``OTP_MAX_ATTEMPTS``
wrong guesses and is sent at most once per ``OTP_RESEND_SECONDS`` and ``OTP_MAX_PER_HOUR`` times an
hour per ticket and purpose, and a capped number of times a day per ticket and per phone.

Two steps, so that wrong guesses are counted even when the action then fails and rolls back:
``otp_verify`` (in its own transaction, before the action) and ``otp_consume`` (inside the action's
transaction, which marks the verified code used together with the change it proves).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import DomainError, ValidationFailed
from .models import OneTimeCode, Ticket
from .outbox.services import outbox_enqueue, outbox_enqueue_sms, register_gateway_text
from .outbox.templates import register_default

OTP_TTL = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_SECONDS = 60
OTP_MAX_PER_HOUR = 5
# Each code is an SMS we pay for and a message on the customer's phone: a day's codes are capped per
# ticket (whatever the purpose) and per phone (whatever the ticket), so neither a script replaying a
# correct /track/ lookup nor one cycling through purposes can flood a customer.
OTP_MAX_PER_DAY_TICKET = 10
OTP_MAX_PER_DAY_PHONE = 15
OTP_EVENT = "otp.code"
# What the outbox row, the admin and the logs show instead of the code.
CODE_MASK = "●●●●●●"

register_default(
    OTP_EVENT, channel="sms",
    zh_subject="验证码", zh_body="【售后服务】验证码 {{ code }}，10分钟内有效，用于{{ purpose }}。请勿告诉他人。",
    en_subject="Code", en_body="[After-sales] Code {{ code }} (10 min) to {{ purpose }}. Never share it.",
)


class OtpThrottled(DomainError):
    code = "otp_throttled"
    status_code = 429


def _digest(code: str, salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_for(salt: str) -> str:
    """The code of a row: only the holder of the server's secret can derive it from the salt."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"otp-code:{salt}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**6:06d}"


def _hash(code: str, salt: str) -> str:
    return f"{salt}${_digest(code, salt)}"


def _gateway_text(message) -> str:
    """The SMS as the gateway sends it: the masked code replaced by the real one."""
    _prefix, _sep, rest = message.idempotency_key.partition(":")
    row_id = rest.partition(":")[0]
    stored = (OneTimeCode.objects.filter(pk=int(row_id)).values_list("code_hash", flat=True).first()
              if row_id.isdigit() else None)
    if stored is None or CODE_MASK not in message.body:
        return message.body
    return message.body.replace(CODE_MASK, _code_for(stored.partition("$")[0]), 1)


register_gateway_text(OTP_EVENT, _gateway_text)


def _matches(code: str, stored: str) -> bool:
    salt, _sep, digest = stored.partition("$")
    return hmac.compare_digest(_digest(code, salt), digest)


def _clean(code: str | None) -> str:
    return "".join(ch for ch in str(code or "") if ch.isdigit())


def _holder(ticket: Ticket | None, phone: str) -> Q:
    """The codes of a ticket, or those proving a bare phone before any ticket exists."""
    return Q(ticket=ticket) if ticket is not None else Q(ticket__isnull=True, phone=phone)


@transaction.atomic
def otp_send(*, purpose: str, ticket: Ticket | None = None, phone: str = "",
             now: dt.datetime | None = None) -> str:
    """Send a new code to the ticket's phone (or, with no ticket, to ``phone``, a normalized mobile
    number the reporter typed); earlier codes of this purpose stop working.

    Returns the plain code (only the SMS carries it; callers never show or store it). The outbox row
    holds the text with the code masked. Raises OtpThrottled when asked again too soon or too often.
    """
    now = now or timezone.now()
    if ticket is not None:
        ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
        phone = ticket.customer.phone
    holder = _holder(ticket, phone)
    recent = list(OneTimeCode.objects.filter(holder, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1))
                  .order_by("-created_at").values_list("created_at", flat=True))
    if recent and (now - recent[0]).total_seconds() < OTP_RESEND_SECONDS:
        wait = OTP_RESEND_SECONDS - int((now - recent[0]).total_seconds())
        raise OtpThrottled(_("验证码已发送，请 %(seconds)s 秒后再重新获取。") % {"seconds": max(wait, 1)})
    if len(recent) >= OTP_MAX_PER_HOUR:
        raise OtpThrottled(_("获取验证码次数过多，请一小时后再试。"))
    day = now - dt.timedelta(days=1)
    if ((ticket is not None
         and OneTimeCode.objects.filter(ticket=ticket, created_at__gt=day).count() >= OTP_MAX_PER_DAY_TICKET)
            or OneTimeCode.objects.filter(phone=phone, created_at__gt=day).count() >= OTP_MAX_PER_DAY_PHONE):
        raise OtpThrottled(_("今天获取验证码的次数已达上限，请明天再试。"))
    OneTimeCode.objects.filter(holder, purpose=purpose, used_at__isnull=True).update(expires_at=now)
    salt = secrets.token_hex(8)
    code = _code_for(salt)
    row = OneTimeCode.objects.create(ticket=ticket, purpose=purpose, phone=phone,
                                     code_hash=_hash(code, salt), created_at=now, expires_at=now + OTP_TTL)
    context = {"code": CODE_MASK, "purpose": OneTimeCode.Purpose(purpose).label}
    if ticket is not None:
        outbox_enqueue(event=OTP_EVENT, customer=ticket.customer, ticket=ticket, channels=["sms"],
                       context=context, idempotency_key=f"otp:{row.pk}")
    else:
        outbox_enqueue_sms(event=OTP_EVENT, phone=phone, context=context, idempotency_key=f"otp:{row.pk}")
    return code


def otp_verify(*, purpose: str, code: str | None, ticket: Ticket | None = None, phone: str = "",
               now: dt.datetime | None = None) -> None:
    """Check a typed code against the latest one sent (to the ticket's phone, or to the bare ``phone``);
    a wrong guess is counted (and committed) before the localized error is raised. Nothing else changes."""
    now = now or timezone.now()
    code = _clean(code)
    if len(code) != 6:
        raise ValidationFailed(_("请输入短信中的 6 位验证码。"), extra={"field": "otp_code"})
    with transaction.atomic():
        row = (OneTimeCode.objects.select_for_update()
               .filter(_holder(ticket, phone), purpose=purpose, used_at__isnull=True)
               .order_by("-created_at").first())
        if row is None:
            error = _("请先获取短信验证码。")
        elif row.expires_at <= now:
            error = _("验证码已过期，请重新获取。")
        elif row.attempts >= OTP_MAX_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取。")
        elif not _matches(code, row.code_hash):
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            error = _("验证码不正确。")
        else:
            if row.verified_at is None:
                OneTimeCode.objects.filter(pk=row.pk).update(verified_at=now)
            return
    raise ValidationFailed(error, code="otp_invalid", extra={"field": "otp_code"})


def otp_consume(*, purpose: str, code: str | None, ticket: Ticket | None = None, phone: str = "",
                now: dt.datetime | None = None) -> None:
    """Mark the verified, unexpired code used, in the caller's transaction; raise ValidationFailed if
    there is none (the action it guards must then not happen)."""
    now = now or timezone.now()
    code = _clean(code)
    row = (OneTimeCode.objects.select_for_update()
           .filter(_holder(ticket, phone), purpose=purpose, used_at__isnull=True, verified_at__isnull=False,
                   expires_at__gt=now).order_by("-created_at").first())
    if row is None or not code or not _matches(code, row.code_hash):
        raise ValidationFailed(_("请输入有效的短信验证码。"), code="otp_invalid", extra={"field": "otp_code"})
    OneTimeCode.objects.filter(pk=row.pk).update(used_at=now)
