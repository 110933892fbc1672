"""Privacy numbers (隐私号, AXB): the customer (A) and the technician (B) call each other through a
middle number X, so neither sees the other's phone. Bound when a job is dispatched, released when
the ticket ends.

The provider is chosen by ``PRIVACY_NUMBER_BACKEND``: ``console`` (development and tests: numbers
from a local pool, every binding logged) or ``aliyun`` (Alibaba Cloud 号码隐私保护, the ``BindAxb`` /
``UnbindSubscription`` RPC actions). Provider calls run in django-q2 tasks, never inside a request's
transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.masking import mask_phone
from tickets.models import Ticket
from tickets.services import ticket_event_add

from ..models import Technician
from .models import PrivacyBinding

logger = logging.getLogger("repairs.scheduling.privacy")

#: A binding outlives the job by this much, so a customer can still call back about the visit.
BINDING_GRACE = dt.timedelta(days=3)


class PrivacyNumberError(Exception):
    """The provider refused or could not be reached; the task retries."""


@dataclass(frozen=True)
class Bound:
    binding_id: str
    number_x: str


class PrivacyNumberProvider(Protocol):
    name: str

    def bind(self, *, phone_a: str, phone_b: str, expires_at: dt.datetime, reference: str) -> Bound: ...

    def release(self, *, binding_id: str, number_x: str) -> None: ...


class ConsoleProvider:
    """Development backend: takes a free number of ``PRIVACY_NUMBER_POOL`` and logs the binding."""

    name = "console"

    def __init__(self, pool: list[str] | None = None):
        self.pool = pool or list(getattr(settings, "PRIVACY_NUMBER_POOL", [])) or [
            f"1700000{n:04d}" for n in range(1, 200)]

    def bind(self, *, phone_a: str, phone_b: str, expires_at: dt.datetime, reference: str) -> Bound:
        used = set(PrivacyBinding.objects.filter(status=PrivacyBinding.Status.ACTIVE, provider=self.name)
                   .values_list("number_x", flat=True))
        free = next((n for n in self.pool if n not in used), None)
        if free is None:
            raise PrivacyNumberError("privacy number pool exhausted")
        binding_id = f"console-{uuid.uuid4().hex[:16]}"
        logger.info("AXB bind %s: A=%s B=%s X=%s until %s (%s)", binding_id, mask_phone(phone_a),
                    mask_phone(phone_b), free, expires_at.isoformat(), reference)
        return Bound(binding_id=binding_id, number_x=free)

    def release(self, *, binding_id: str, number_x: str) -> None:
        logger.info("AXB release %s (X=%s)", binding_id, number_x)


Transport = Callable[[str, dict[str, str]], dict]


def _http_post(url: str, form: dict[str, str]) -> dict:
    import urllib.request

    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - fixed https endpoint
        return json.loads(response.read().decode())


def _pct(value: str) -> str:
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Alibaba Cloud RPC signature V1: HMAC-SHA1 over the sorted, percent-encoded parameters."""
    canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_pct('/')}&{_pct(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunProvider:
    """号码隐私保护 (dyplsapi): ``BindAxb`` returns ``SecretBindDTO.SubsId`` and ``SecretNo``;
    ``UnbindSubscription`` ends it. Needs ``PRIVACY_ALIYUN_KEY_ID``/``_SECRET``/``_POOL_KEY``."""

    name = "aliyun"
    endpoint = "https://dyplsapi.aliyuncs.com/"

    def __init__(self, *, key_id: str, secret: str, pool_key: str, transport: Transport | None = None,
                 endpoint: str | None = None):
        self.key_id, self.secret, self.pool_key = key_id, secret, pool_key
        self.transport = transport or _http_post
        self.endpoint = endpoint or self.endpoint

    def _call(self, action: str, **params: str) -> dict:
        form = {"Action": action, "Version": "2017-05-25", "Format": "JSON", "AccessKeyId": self.key_id,
                "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
                "Timestamp": timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "PoolKey": self.pool_key, **params}
        form["Signature"] = aliyun_signature(form, self.secret)
        try:
            answer = self.transport(self.endpoint, form)
        except OSError as exc:
            raise PrivacyNumberError(f"{action}: {exc}") from exc
        if answer.get("Code") != "OK":
            raise PrivacyNumberError(f"{action}: {answer.get('Code')} {answer.get('Message', '')}")
        return answer

    def bind(self, *, phone_a: str, phone_b: str, expires_at: dt.datetime, reference: str) -> Bound:
        local = timezone.localtime(expires_at)
        answer = self._call("BindAxb", PhoneNoA=phone_a, PhoneNoB=phone_b, OutId=reference[:60],
                            Expiration=local.strftime("%Y-%m-%d %H:%M:%S"))
        dto = answer.get("SecretBindDTO") or {}
        return Bound(binding_id=str(dto.get("SubsId", "")), number_x=str(dto.get("SecretNo", "")))

    def release(self, *, binding_id: str, number_x: str) -> None:
        self._call("UnbindSubscription", SubsId=binding_id, SecretNo=number_x)


def get_provider() -> PrivacyNumberProvider:
    backend = getattr(settings, "PRIVACY_NUMBER_BACKEND", "console")
    if backend == "aliyun":
        return AliyunProvider(key_id=settings.PRIVACY_ALIYUN_KEY_ID, secret=settings.PRIVACY_ALIYUN_SECRET,
                              pool_key=settings.PRIVACY_ALIYUN_POOL_KEY)
    return ConsoleProvider()


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

def privacy_bind_enqueue(ticket_id: int, technician_id: int) -> None:
    from django_q.tasks import async_task

    async_task("repairs.scheduling.tasks.privacy_bind_task", ticket_id, technician_id,
               task_name=f"privacy-bind-{ticket_id}-{technician_id}")


def privacy_bind(*, ticket_id: int, technician_id: int,
                 provider: PrivacyNumberProvider | None = None) -> PrivacyBinding | None:
    """Bind the customer and the ticket's technician to a privacy number (idempotent: an active
    binding of the pair is returned). A binding of a previous technician of the ticket is released
    first. Returns None when the ticket ended or moved to someone else meanwhile."""
    provider = provider or get_provider()
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    technician = Technician.objects.filter(pk=technician_id).first()
    if ticket is None or technician is None or ticket.status in Ticket.CLOSED_STATES \
            or ticket.technician_id != technician_id:
        return None
    existing = PrivacyBinding.objects.filter(ticket_id=ticket_id, technician_id=technician_id,
                                             status=PrivacyBinding.Status.ACTIVE).first()
    if existing is not None:
        return existing
    for old in PrivacyBinding.objects.filter(ticket_id=ticket_id, status=PrivacyBinding.Status.ACTIVE):
        _release(old, provider)
    if not (ticket.customer.phone and technician.phone):
        return None
    expires_at = timezone.now() + dt.timedelta(days=30) + BINDING_GRACE
    bound = provider.bind(phone_a=ticket.customer.phone, phone_b=technician.phone, expires_at=expires_at,
                          reference=f"ticket-{ticket.number}")
    with transaction.atomic():
        binding = PrivacyBinding.objects.create(ticket=ticket, technician=technician, provider=provider.name,
                                                binding_id=bound.binding_id, number_x=bound.number_x,
                                                expires_at=expires_at)
        ticket_event_add(ticket=ticket, kind="privacy.bound",
                         message=_("已为客户与工程师 %(name)s 绑定隐私号 %(x)s") % {"name": technician.name,
                                                                            "x": bound.number_x},
                         payload={"binding": binding.pk, "number_x": bound.number_x})
    return binding


def _release(binding: PrivacyBinding, provider: PrivacyNumberProvider) -> None:
    provider.release(binding_id=binding.binding_id, number_x=binding.number_x)
    with transaction.atomic():
        updated = PrivacyBinding.objects.filter(pk=binding.pk, status=PrivacyBinding.Status.ACTIVE).update(
            status=PrivacyBinding.Status.RELEASED, released_at=timezone.now())
        if updated:
            ticket_event_add(ticket=binding.ticket, kind="privacy.released",
                             message=_("隐私号 %(x)s 已释放") % {"x": binding.number_x},
                             payload={"binding": binding.pk})


def privacy_release(*, ticket_id: int, provider: PrivacyNumberProvider | None = None) -> int:
    """Release every active binding of the ticket (it ended). Returns how many were released."""
    provider = provider or get_provider()
    bindings = list(PrivacyBinding.objects.filter(ticket_id=ticket_id, status=PrivacyBinding.Status.ACTIVE)
                    .select_related("ticket"))
    for binding in bindings:
        _release(binding, provider)
    return len(bindings)


def privacy_number_for(ticket: Ticket) -> str:
    """The number the customer dials to reach the ticket's technician, or ""."""
    if ticket.technician_id is None:
        return ""
    return (PrivacyBinding.objects.filter(ticket_id=ticket.pk, technician_id=ticket.technician_id,
                                          status=PrivacyBinding.Status.ACTIVE)
            .values_list("number_x", flat=True).first() or "")
