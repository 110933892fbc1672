"""The customer's mail-in actions (``/t/<token>/shipping/…``) and the carrier's signed route push."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from repairs.customer_pages import with_ticket
from tickets.exceptions import DomainError
from tickets.links import site_base

from .carrier import PushSignatureInvalid, SFExpressCarrier
from .services import shipment_book_inbound, shipment_return_choose, shipment_track

logger = logging.getLogger(__name__)


@require_POST
@with_ticket
def book(request: HttpRequest, ticket) -> HttpResponse:
    start = parse_datetime(request.POST.get("window", "")[:40])
    try:
        if start is None:
            raise DomainError(_("请选择可预约的取件时段。"))
        shipment = shipment_book_inbound(ticket=ticket, pickup_start=start)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已预约顺丰上门取件，运单号 %(waybill)s。") % {"waybill": shipment.waybill_no})
    return redirect(ticket.get_tracking_url())


@require_POST
@with_ticket
def return_choice(request: HttpRequest, ticket) -> HttpResponse:
    try:
        shipment_return_choose(ticket=ticket, choice=request.POST.get("choice", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已记录您的取回方式。"))
    return redirect(ticket.get_tracking_url())


@csrf_exempt
@require_POST
def sf_push(request: HttpRequest) -> HttpResponse:
    """The carrier's route push, signed with our check word; anything unsigned changes nothing."""
    try:
        events = SFExpressCarrier(base_url=site_base()).parse_push(form=request.POST.dict())
    except PushSignatureInvalid as exc:
        logger.warning("carrier push refused: %s", exc)
        return JsonResponse({"return_code": "1000", "return_msg": str(exc)}, status=400)
    shipment_track(events=events)
    return JsonResponse({"return_code": "0000", "return_msg": "成功"})
