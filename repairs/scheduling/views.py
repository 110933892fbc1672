"""The customer's appointment page, reached from the progress page: pick a window, move it or
cancel it. The tracking token in the URL is the customer's credential, as on the progress page."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets.exceptions import DomainError, ValidationFailed
from tickets.progress import selectors as progress

from . import selectors
from .selectors import WEEKDAYS
from .services import appointment_book, appointment_cancel


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "POST"])
def appointment_page(request: HttpRequest, token: str) -> HttpResponse:
    ticket = progress.ticket_get_by_token(token=token)
    if ticket is None or progress.tracking_link_expired(ticket=ticket) or not ticket.is_open:
        return _private(render(request, "tickets/progress/invalid.html", {"expired": False,
                                                                          "days": progress.TRACKING_LINK_DAYS},
                               status=404))
    back = reverse("progress:page", kwargs={"token": token})
    current = selectors.ticket_appointment(ticket)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                appointment_cancel(ticket=ticket)
                messages.info(request, _("已取消上门预约，您可以随时重新预约。"))
            else:
                start = selectors.parse_window_start(request.POST.get("start", ""))
                if start is None:
                    raise ValidationFailed(_("请选择一个时段。"))
                booked = appointment_book(ticket=ticket, start=start)
                messages.success(request, _("已预约上门时间 %(window)s。") % {
                    "window": selectors.window_label(booked.start, booked.end)})
        except DomainError as exc:
            error = str(exc)
            current = selectors.ticket_appointment(ticket)
        else:
            return _private(redirect(back))
    windows = (selectors.center_windows(center=ticket.service_center, skill=selectors.ticket_skill(ticket))
               if ticket.service_center_id else [])
    days = []
    for day, items in groupby(windows, key=lambda w: timezone.localtime(w.start).date()):
        items = [{"value": w.value, "left": w.left,
                  "hours": selectors.window_hours_label(w.start, w.end)} for w in items]
        days.append((_("%(m)d月%(d)d日 %(weekday)s") % {"m": day.month, "d": day.day,
                                                       "weekday": WEEKDAYS[day.weekday()]}, items))
    stage = selectors.visit_stage(ticket, appointment=current)
    response = render(request, "repairs/scheduling/appointment.html", {
        "ticket": ticket, "current": current, "back": back, "error": error, "days": days,
        "current_label": selectors.window_label(current.start, current.end) if current else "",
        "can_change": stage is None and (current is None or selectors.may_change(current)),
        "stage_refusal": stage.refusal() if stage is not None else "",
    }, status=400 if error else 200)
    return _private(response)
