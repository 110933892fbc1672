"""Writes of the customer's side: electronic invoice requests.

The customer's page calls these with ``by=None`` (the tracking token is the customer's credential);
finance processes the requests in the admin with the ``change_invoicerequest`` permission.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policy
from ..exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from ..models import InvoiceRequest, Ticket
from ..services import ticket_event_add
from .tax import normalize_uscc

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: An invoice can be asked for once the work is done.
INVOICE_STATES = (Ticket.Status.READY, Ticket.Status.RESOLVED, Ticket.Status.CLOSED)

#: Checks other apps add in ``AppConfig.ready`` (payments: an invoice states money received); each
#: gets the ticket and a memo dict shared by one page render (so a page that shows the same rows reads
#: them once) and returns a localized reason to refuse, or None. The hub imports none of them.
_invoice_gates: dict[str, Callable[[Ticket, dict], str | None]] = {}


def invoice_gate_register(name: str, gate: Callable[[Ticket, dict], str | None]) -> None:
    _invoice_gates[name] = gate


def invoice_refusal(*, ticket: Ticket, memo: dict | None = None) -> str | None:
    """Why the customer cannot ask for an invoice now, or None when they can."""
    if ticket.status not in INVOICE_STATES:
        return _("维修完成后才能申请发票。")
    memo = {} if memo is None else memo
    for gate in _invoice_gates.values():
        reason = gate(ticket, memo)
        if reason:
            return reason
    return None


def _mask_email(email: str) -> str:
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _clean_invoice_fields(*, kind: str, title: str, tax_number: str, email: str) -> dict:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    email = (email or "").strip()
    if kind not in InvoiceRequest.Kind.values:
        errors["kind"] = [_("请选择抬头类型。")]
    if not title:
        errors["title"] = [_("请填写发票抬头。")]
    elif len(title) > 100:
        errors["title"] = [_("发票抬头不能超过 100 个字。")]
    if kind == InvoiceRequest.Kind.COMPANY:
        try:
            tax_number = normalize_uscc(tax_number)
        except ValidationError as exc:
            errors["tax_number"] = list(exc.messages)
    else:
        tax_number = ""
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("请输入有效的邮箱地址。")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, extra={"fields": errors})
    return {"kind": kind, "title": title, "tax_number": tax_number, "email": email}


@transaction.atomic
def invoice_request_submit(
    *, ticket: Ticket, kind: str, title: str, email: str, tax_number: str = "", ip: str | None = None
) -> InvoiceRequest:
    """Record the customer's electronic invoice request for finance.

    Guarantees: the fields are valid (a company title needs an 18-character unified social credit
    code with a correct check character), the ticket's work is done, and there is at most one
    pending request per ticket — a new submission replaces the pending one; every registered
    invoice gate agrees (a paid repair must be paid first). Writes a
    customer-visible event (broadcast after commit). Raises ValidationFailed or InvalidTransition;
    nothing changes then.
    """
    data = _clean_invoice_fields(kind=kind, title=title, tax_number=tax_number, email=email)
    refusal = invoice_refusal(ticket=ticket)
    if refusal:
        raise InvalidTransition(refusal)
    pending = (
        InvoiceRequest.objects.select_for_update()
        .filter(ticket=ticket, status=InvoiceRequest.Status.PENDING)
        .first()
    )
    if pending is None:
        request = InvoiceRequest.objects.create(ticket=ticket, ip=ip, **data)
    else:
        for key, value in data.items():
            setattr(pending, key, value)
        pending.ip = ip
        pending.save()
        request = pending
    ticket_event_add(
        ticket=ticket, kind="invoice.requested", customer_visible=True,
        message=_("已提交电子发票申请（%(title)s），开具后发送至 %(email)s")
        % {"title": request.title, "email": _mask_email(request.email)},
        payload={"invoice_request_id": request.pk, "kind": request.kind},
    )
    return request


def _check_finance(by: AbstractBaseUser) -> None:
    if not policy.can(by, "tickets.change_invoicerequest"):
        raise PermissionDeniedError(_("您没有处理发票申请的权限。"))


@transaction.atomic
def invoice_request_issue(
    *, invoice_request: InvoiceRequest, by: AbstractBaseUser, invoice_number: str
) -> InvoiceRequest:
    """Finance marks a pending request issued with the invoice number; the customer sees it on the
    timeline. Raises PermissionDeniedError, ValidationFailed or InvalidTransition."""
    _check_finance(by)
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise ValidationFailed(_("请填写发票号码。"))
    locked = InvoiceRequest.objects.select_for_update().select_related("ticket").get(pk=invoice_request.pk)
    if locked.status != InvoiceRequest.Status.PENDING:
        raise InvalidTransition(_("该发票申请已处理。"))
    locked.status = InvoiceRequest.Status.ISSUED
    locked.invoice_number = invoice_number
    locked.processed_at = timezone.now()
    locked.save(update_fields=["status", "invoice_number", "processed_at", "updated_at"])
    ticket_event_add(
        ticket=locked.ticket, kind="invoice.issued", by=by, customer_visible=True,
        message=_("电子发票已开具，已发送至 %(email)s") % {"email": _mask_email(locked.email)},
        payload={"invoice_request_id": locked.pk},
    )
    return locked


@transaction.atomic
def invoice_request_reject(*, invoice_request: InvoiceRequest, by: AbstractBaseUser, note: str) -> InvoiceRequest:
    """Finance turns a pending request down with a reason the customer sees (e.g. a wrong title).
    Raises PermissionDeniedError, ValidationFailed or InvalidTransition."""
    _check_finance(by)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("请填写驳回原因。"))
    locked = InvoiceRequest.objects.select_for_update().select_related("ticket").get(pk=invoice_request.pk)
    if locked.status != InvoiceRequest.Status.PENDING:
        raise InvalidTransition(_("该发票申请已处理。"))
    locked.status = InvoiceRequest.Status.REJECTED
    locked.note = note[:200]
    locked.processed_at = timezone.now()
    locked.save(update_fields=["status", "note", "processed_at", "updated_at"])
    ticket_event_add(
        ticket=locked.ticket, kind="invoice.rejected", by=by, customer_visible=True,
        message=_("发票申请未通过：%(note)s，请修改后重新提交") % {"note": locked.note},
        payload={"invoice_request_id": locked.pk},
    )
    return locked
