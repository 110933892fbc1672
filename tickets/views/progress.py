"""The customer's pages: ticket lookup, the live progress page, its state for re-syncs,
quote approval with a signature, the service report, invoice requests and self-help links.

The tracking token in the URL is the customer's credential: every page resolves it in one place
(``_ticket_or_404``) and answers an unknown or expired token with the same clear 404 page. This is an
interface module: it composes the selectors and services of ``tickets`` and of the other apps.
"""

from __future__ import annotations

from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.proxies import client_ip
from repairs.logistics.page import shipment_panel
from repairs.models import Quote
from repairs.payments.page import payment_panel
from repairs.scheduling.page import progress_context as schedule_context
from repairs.services import quote_approve, quote_decline

from ..exceptions import DomainError, ValidationFailed
from ..files import attachment_response
from ..masking import mask_phone
from ..models import InvoiceRequest, OneTimeCode, Ticket
from ..otp import OtpThrottled, otp_consume, otp_send, otp_verify
from ..progress import page as parts
from ..progress import selectors
from ..progress.services import invoice_refusal, invoice_request_submit
from ..progress.signature import signature_png_from_data_url
from ..progress.throttle import track_attempt_allowed

GENERIC_LOOKUP_ERROR = gettext_lazy("工单号或手机号后四位不正确，请核对后重试。")


def _client_ip(request: HttpRequest) -> str:
    # Behind our reverse proxy REMOTE_ADDR is the proxy: every customer would share one limit and
    # one signer address. The one rule on which forwarded address to believe lives in config.proxies.
    return client_ip(request)


def _private(response: HttpResponse) -> HttpResponse:
    # the token in the URL is a credential: keep it out of cross-site Referer headers, caches and search
    # engines ("same-origin", not "no-referrer": that would send "Origin: null" and fail the CSRF check)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _invalid(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    response = render(request, "tickets/progress/invalid.html", {"expired": expired,
                                                                 "days": selectors.TRACKING_LINK_DAYS}, status=404)
    return _private(response)


def with_ticket(view):
    """Resolve ``token`` into the ticket (one query with every relation the page shows) or answer
    with the invalid-link page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        ticket = selectors.ticket_get_by_token(token=token)
        if ticket is None:
            return _invalid(request)
        if selectors.tracking_link_expired(ticket=ticket):
            return _invalid(request, expired=True)
        return _private(view(request, ticket, *args, **kwargs))

    return wrapper


# ------------------------------------------------------------------------------------------------
# /track/
# ------------------------------------------------------------------------------------------------

TRACK_SESSION_KEY = "track_ticket"


def _track_code_step(request: HttpRequest, ticket: Ticket, *, notice: str = "", error: str = "") -> HttpResponse:
    context = {"step": "code", "notice": notice, "error": error,
               "phone": mask_phone(ticket.customer.phone), "form": {"number": ticket.number, "phone_last4": ""}}
    return render(request, "tickets/progress/track.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Ticket number + last four digits of the phone, then a one-time SMS code sent to that phone →
    the progress page. Numbers are sequential and four digits are guessable, so the code proves the
    visitor holds the ticket's phone. Every lookup failure looks the same; lookups are throttled per IP
    and per ticket number, codes per ticket (a few tries each, a few codes an hour)."""
    form = {"number": "", "phone_last4": ""}
    error, status = "", 200
    pending_id = request.session.get(TRACK_SESSION_KEY)
    if request.method == "GET" and request.GET.get("restart"):
        request.session.pop(TRACK_SESSION_KEY, None)
    elif request.method == "POST" and "otp_code" in request.POST and pending_id:
        ticket = Ticket.objects.select_related("customer").filter(pk=pending_id).first()
        if ticket is None:
            request.session.pop(TRACK_SESSION_KEY, None)
        else:
            code = request.POST.get("otp_code", "")[:12]
            try:
                otp_verify(ticket=ticket, purpose=OneTimeCode.Purpose.TRACK_LOOKUP, code=code)
                with transaction.atomic():
                    otp_consume(ticket=ticket, purpose=OneTimeCode.Purpose.TRACK_LOOKUP, code=code)
            except ValidationFailed as exc:
                return _track_code_step(request, ticket, error=str(exc.message))
            request.session.pop(TRACK_SESSION_KEY, None)
            return redirect("progress:page", token=ticket.tracking_token)
    elif request.method == "POST":
        form = {"number": request.POST.get("number", "")[:40], "phone_last4": request.POST.get("phone_last4", "")[:8]}
        number = selectors.normalize_ticket_number(form["number"])
        if not track_attempt_allowed(ip=_client_ip(request), number=number):
            error, status = _("查询过于频繁，请一分钟后再试。"), 429
        else:
            found = selectors.ticket_lookup(number=number, phone_last4=form["phone_last4"])
            if found is not None:
                ticket = Ticket.objects.select_related("customer").get(pk=found.pk)
                try:
                    with transaction.atomic():
                        otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.TRACK_LOOKUP)
                    notice = _("验证码已发送至 %(phone)s，请输入短信中的 6 位验证码。") % {
                        "phone": mask_phone(ticket.customer.phone)}
                except OtpThrottled as exc:
                    notice = str(exc.message)
                request.session[TRACK_SESSION_KEY] = ticket.pk
                return _track_code_step(request, ticket, notice=notice)
            error, status = str(GENERIC_LOOKUP_ERROR), 200
    return render(request, "tickets/progress/track.html", {"form": form, "error": error}, status=status)


# ------------------------------------------------------------------------------------------------
# /t/<token>/ and its live state
# ------------------------------------------------------------------------------------------------

def _live_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    events = selectors.ticket_visible_events(ticket=ticket)
    timeline = selectors.customer_timeline(events)
    timeline.reverse()  # newest first: what changed is what the customer looks for
    technician = None
    if ticket.technician_id:
        technician = {"name": ticket.technician.name, "phone": mask_phone(ticket.technician.phone),
                      "center": ticket.service_center.name if ticket.service_center_id else ""}
    extras = parts.ticket_extras(ticket=ticket)
    memo: dict[str, Any] = {}  # the invoice gate and the payment panel read the same rows once
    shipping = shipment_panel(ticket=ticket)
    actions = parts.next_actions(ticket=ticket, extras=extras)
    if shipping is not None and shipping["inbound"] is not None:
        # a courier collects the device: the instruction to post it is no longer the customer's to do
        actions = [a for a in actions if a.key != "send_device"]
    return {
        "ticket": ticket,
        "status_label": selectors.status_label(ticket),
        "token": ticket.tracking_token,
        "steps": selectors.ticket_steps(ticket=ticket, events=events),
        "timeline": timeline,
        "last_event_id": events[-1].pk if events else 0,
        "prediction": selectors.promised_completion(ticket=ticket) if ticket.status != Ticket.Status.CANCELLED
        else None,
        "technician": technician,
        "warranty": parts.warranty_card(ticket=ticket, extras=extras),
        "price": parts.price_view(ticket=ticket, extras=extras),
        "actions": actions,
        "extras": extras,
        "can_request_invoice": invoice_refusal(ticket=ticket, memo=memo) is None,
        "payment": payment_panel(ticket=ticket, memo=memo),
        "shipping": shipping,
        "schedule": schedule_context(ticket=ticket),
    }


@require_GET
@with_ticket
def progress_page(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    context = _live_context(request, ticket)
    context["help"] = parts.self_help(ticket=ticket)
    context["ws_path"] = f"/ws/t/{ticket.tracking_token}/"
    return render(request, "tickets/progress/page.html", context)


@require_GET
@with_ticket
def progress_state(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The live part of the page, re-rendered: fetched after every pushed event and after every
    (re)connect, so a dropped connection never loses an update."""
    context = _live_context(request, ticket)
    html = render_to_string("tickets/progress/_live.html", context, request=request)
    return JsonResponse({
        "status": ticket.status,
        "status_label": selectors.status_label(ticket),
        "last_event_id": context["last_event_id"],
        "html": html,
    })


# ------------------------------------------------------------------------------------------------
# Afterwards: invoice and report
# ------------------------------------------------------------------------------------------------

def _contact(ticket: Ticket, key: str) -> str:
    """What a form on this ticket's link may pre-fill: for a report from an anonymous channel only what
    that reporter typed, since the link proves nothing about the customer the phone belongs to."""
    if ticket.created_by_id is None and ticket.reported_contact:
        return ticket.reported_contact.get(key, "")
    return getattr(ticket.customer, key)


@require_http_methods(["GET", "POST"])
@with_ticket
def invoice(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    data = {"kind": InvoiceRequest.Kind.PERSONAL, "title": "", "tax_number": "", "email": _contact(ticket, "email")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {key: request.POST.get(key, "")[:200] for key in ("kind", "title", "tax_number", "email")}
        try:
            invoice_request_submit(ticket=ticket, ip=_client_ip(request) or None, **data)
        except DomainError as exc:
            errors = exc.extra.get("fields") or {"general": [str(exc)]}
        else:
            messages.success(request, _("发票申请已提交，开具后将发送到您的邮箱。"))
            return redirect("progress:page", token=ticket.tracking_token)
    requests = list(InvoiceRequest.objects.filter(ticket=ticket).order_by("-created_at")[:5])
    return render(request, "tickets/progress/invoice.html", {
        "ticket": ticket, "token": ticket.tracking_token, "data": data, "errors": errors,
        "requests": requests, "refusal": invoice_refusal(ticket=ticket), "kinds": InvoiceRequest.Kind.choices,
    }, status=400 if errors else 200)


@require_GET
@with_ticket
def service_report(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    pdf = parts.service_report_bytes(ticket=ticket)
    if pdf is None:
        messages.info(request, _("服务报告将在维修完成后提供。"))
        return redirect("progress:page", token=ticket.tracking_token)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="service-report-{ticket.number}.pdf"'
    return response


def page_url(ticket: Ticket) -> str:
    return reverse("progress:page", kwargs={"token": ticket.tracking_token})


# ------------------------------------------------------------------------------------------------
# Quote approval with a handwritten signature
# ------------------------------------------------------------------------------------------------

@require_GET
@with_ticket
def attachment_file(request: HttpRequest, ticket: Ticket, uuid: Any) -> HttpResponse:
    """A file of the customer's own ticket that staff marked customer-visible; anything else is 404."""
    attachment = ticket.attachments.filter(uuid=uuid, customer_visible=True).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@with_ticket
def quote_review(request: HttpRequest, ticket: Ticket, quote_id: int) -> HttpResponse:
    """The customer reviews one quote version line by line, then approves it with a signature drawn
    on the phone, or declines it. A superseded version can no longer be approved: the page points
    to the newer one, which needs its own approval."""
    quote = (
        Quote.objects.select_related("repair_order")
        .filter(pk=quote_id, repair_order__ticket_id=ticket.pk)
        .exclude(status=Quote.Status.DRAFT)
        .first()
    )
    if quote is None:
        return _invalid(request)
    error, field, notice = "", "", ""
    signer_name = _contact(ticket, "name")
    reason = ""
    needs_code = quote.total > 0
    if request.method == "POST":
        action = request.POST.get("action")
        signer_name = request.POST.get("signer_name", "")[:80]
        reason = request.POST.get("reason", "")[:300]
        otp_code = request.POST.get("otp_code", "")[:12]
        seen = request.POST.get("version", "")
        seen_version = int(seen) if seen.isdigit() else -1  # a form without its version is stale too
        try:
            if action == "send_code" and needs_code and quote.status == Quote.Status.SENT:
                otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
                notice = _("验证码已发送至 %(phone)s，10 分钟内有效。") % {"phone": mask_phone(ticket.customer.phone)}
            elif action == "approve":
                png = signature_png_from_data_url(request.POST.get("signature", ""))
                if needs_code:  # money is committed: the link alone is not proof of the customer
                    otp_verify(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE, code=otp_code)
                quote_approve(quote=quote, signature_png=png, signer_name=signer_name, ip=_client_ip(request) or None,
                              user_agent=request.META.get("HTTP_USER_AGENT", "")[:300], otp_code=otp_code,
                              seen_version=seen_version)
                messages.success(request, _("已确认报价，工程师将尽快为您维修。"))
            elif action == "decline":
                if needs_code:  # refusing ends the repair: as binding as approving
                    otp_verify(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE, code=otp_code)
                quote_decline(quote=quote, reason=reason, otp_code=otp_code, seen_version=seen_version)
                messages.info(request, _("您已拒绝该报价，我们会尽快与您联系安排取回设备。"))
            else:
                raise ValidationFailed(_("请选择确认或拒绝。"))
        except DomainError as exc:
            error, field = str(exc), exc.extra.get("field", "")
            quote.refresh_from_db()
        else:
            if not notice:
                return redirect("progress:page", token=ticket.tracking_token)
    lines = list(quote.lines.all())
    newer = None
    if quote.status == Quote.Status.SUPERSEDED:
        newer = (
            Quote.objects.filter(repair_order_id=quote.repair_order_id, status=Quote.Status.SENT)
            .order_by("-version").only("pk", "version").first()
        )
    return render(request, "tickets/progress/quote.html", {
        "ticket": ticket, "token": ticket.tracking_token, "quote": quote, "lines": lines,
        "payable": quote.total, "gross": sum((ln.amount for ln in lines), Decimal("0.00")),
        "awaiting": quote.status == Quote.Status.SENT, "newer": newer,
        "error": error, "error_field": field, "signer_name": signer_name, "reason": reason,
        "needs_code": needs_code, "notice": notice, "masked_phone": mask_phone(ticket.customer.phone),
    }, status=400 if error else 200)
