"""Customer intake pages: the /submit/ form and its confirmation page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.proxies import client_ip
from repairs.scheduling.forms import add_window_field
from repairs.scheduling.selectors import appointment_summary, parse_window_start
from repairs.scheduling.services import appointment_book
from tickets.exceptions import ValidationFailed
from tickets.intake.forms import CustomerIntakeForm, uploaded_to_intake_files
from tickets.intake.services import intake_submit
from tickets.masking import mask_phone
from tickets.models import Channel, OneTimeCode, Ticket
from tickets.otp import OtpThrottled, otp_send, otp_verify
from tickets.ratelimit import code_send_allowed, submit_attempt_allowed
from tickets.validators import normalize_phone


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The customer's repair request (mobile-first). A hidden per-form key makes a double submit
    return the first ticket instead of opening a second one."""
    if request.method == "POST" and not submit_attempt_allowed(ip=client_ip(request)):
        # Refused before the form is validated: a flood of reports stores nothing.
        form = CustomerIntakeForm(initial={"idempotency_key": uuid.uuid4().hex})
        add_window_field(form)
        return render(request, "tickets/intake/submit.html",
                      {"form": form, "blocked": _("提交过于频繁，请稍后再试。")}, status=429)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        return _send_code(request)
    if request.method == "POST":
        form = CustomerIntakeForm(request.POST, request.FILES)
        add_window_field(form)
        if form.is_valid():
            data = form.cleaned_data
            key = data.get("idempotency_key") or ""
            otp_code = (data.get("otp_code") or "").strip()
            try:
                if otp_code:
                    # checked (and a wrong guess counted) before the report, which uses the code up
                    otp_verify(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=_phone(data["phone"]),
                               code=otp_code)
                result = _submit_and_book(request, form, data, key, otp_code)
            except ValidationFailed as exc:
                if exc.extra.get("field") == "otp_code":
                    form.add_error("otp_code", str(exc.message))
                else:
                    form.add_domain_errors(exc.extra.get("fields") or {"__all__": [str(exc.message)]})
            else:
                if result.is_duplicate:
                    # Merged into the reporter's own open ticket: its link goes by SMS to the ticket's
                    # phone, never into this browser (whoever typed the form may not hold that phone).
                    return redirect("intake:received")
                return redirect(reverse("intake:done", args=[result.ticket.tracking_token]))
    else:
        form = CustomerIntakeForm(initial={"idempotency_key": uuid.uuid4().hex, **_prefill(request)})
        add_window_field(form)
    return render(request, "tickets/intake/submit.html", {"form": form}, status=400 if form.errors else 200)


@transaction.atomic
def _submit_and_book(request: HttpRequest, form: CustomerIntakeForm, data: dict, key: str, otp_code: str):
    """The report and the window in one transaction: the dispatch that follows the commit finds
    the window and tells it in the "engineer assigned" message."""
    result = intake_submit(
        channel=Channel.WEB, name=data["name"], phone=data["phone"], email=data["email"],
        description=data["description"], product_model=data["product_model"], serial=data["serial"],
        purchase_date=data["purchase_date"], service_mode=data["service_mode"], city=data["city"],
        district=data["district"], address=data["address"], division_code=form.picked_code(),
        files=uploaded_to_intake_files(data["files"]),
        external_id=f"web:{key}" if key else "", otp_code=otp_code,
    )
    if not result.is_duplicate:
        _book_window(request, result.ticket, data.get("appointment") or "")
    return result


def _book_window(request: HttpRequest, ticket: Ticket, value: str) -> None:
    """Book the window the customer picked; a window that is full or closed at the centre never
    costs the report: the customer is told to pick another one on the progress page."""
    start = parse_window_start(value)
    if start is None:
        return
    try:
        with transaction.atomic():
            appointment_book(ticket=ticket, start=start)
    except ValidationFailed as exc:
        messages.warning(request, _("报修已提交，但所选时段未能预约：%(reason)s 请在进度页重新选择。")
                         % {"reason": exc.message})


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def _send_code(request: HttpRequest) -> HttpResponse:
    """Send the SMS code that proves the typed phone. The page says the same whether or not that phone
    has tickets, so it reveals nothing about them."""
    form = CustomerIntakeForm(request.POST)  # re-shown as typed; files are chosen again
    add_window_field(form)
    phone = _phone(request.POST.get("phone", ""))
    context: dict = {"form": form}
    if not phone:
        form.is_valid()
        form.add_error("phone", _("请输入有效的手机号码。"))
        return render(request, "tickets/intake/submit.html", context, status=400)
    if not code_send_allowed(ip=client_ip(request)):
        context["blocked"] = _("获取验证码过于频繁，请稍后再试。")
        return render(request, "tickets/intake/submit.html", context, status=429)
    try:
        otp_send(purpose=OneTimeCode.Purpose.INTAKE_PHONE, phone=phone)
    except OtpThrottled as exc:
        context["blocked"] = str(exc.message)
        return render(request, "tickets/intake/submit.html", context, status=429)
    context["notice"] = _("验证码已发送至 %(phone)s，10 分钟内有效。") % {"phone": mask_phone(phone)}
    return render(request, "tickets/intake/submit.html", context)


def _prefill(request: HttpRequest) -> dict:
    """Initial values from ``?model=<code>&category=<code>&description=…`` (guided diagnosis links)."""
    from tickets.models import FaultCategory, ProductModel

    initial: dict = {}
    code = (request.GET.get("model") or "").strip()[:40]
    if code:
        model = ProductModel.objects.filter(code=code, is_active=True).first()
        if model is not None:
            initial["product_model"] = model.pk
    description = (request.GET.get("description") or "").strip()[:1000]
    category_code = (request.GET.get("category") or "").strip()[:40]
    category = FaultCategory.objects.filter(code=category_code).first() if category_code else None
    if category is not None:
        initial["service_mode"] = category.default_service_mode if category.default_service_mode != "remote" else ""
        description = f"{description}\n（{category.name}）" if description else f"{category.name}："
    if description:
        initial["description"] = description
    return initial


def done(request: HttpRequest, token: str) -> HttpResponse:
    ticket = Ticket.objects.select_related("product_model", "fault_category").filter(tracking_token=token).first()
    if ticket is None:
        raise Http404
    return render(request, "tickets/intake/done.html",
                  {"ticket": ticket, "merged": False, "progress_url": ticket.get_tracking_url(),
                   "appointment": appointment_summary(ticket)})


def received(request: HttpRequest) -> HttpResponse:
    """A report merged into an open ticket: says so without naming that ticket."""
    return render(request, "tickets/intake/done.html", {"ticket": None, "merged": True, "progress_url": ""})
