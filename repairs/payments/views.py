"""The customer's payment pages (``/t/<token>/pay/``) and the gateways' signed notification callbacks.

The tracking token is the customer's credential, resolved here with the progress selectors; the
callbacks trust nothing but a verified signature.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repairs.customer_pages import with_ticket
from tickets.exceptions import DomainError
from tickets.links import site_base, site_url
from tickets.progress import selectors as progress

from .exceptions import SignatureInvalid
from .gateways import AlipayGateway, RefundNotice, WeChatPayGateway
from .keys import is_stub, online_methods
from .models import Payment
from .selectors import payment_due
from .services import payment_notify, payment_start, refund_notify

logger = logging.getLogger(__name__)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


@never_cache
@require_http_methods(["GET", "POST"])
@with_ticket
def pay(request: HttpRequest, ticket) -> HttpResponse:
    """Choose WeChat Pay (a QR code to scan) or Alipay (its mobile cashier), pay, come back live."""
    due = payment_due(ticket=ticket)
    page = progress.ticket_get_by_token(token=ticket.tracking_token).get_tracking_url()
    if due is None or due.settled is not None or not due.payable_now or not online_methods():
        if due is not None and due.settled is not None:
            messages.info(request, _("该维修费用已支付，无需重复付款。"))
        return redirect(page)
    context: dict[str, Any] = {"ticket": ticket, "token": ticket.tracking_token, "amount": f"{due.amount:.2f}",
                               "quote": due.quote, "error": ""}
    if request.method == "POST":
        method = request.POST.get("method", "")
        try:
            payment = payment_start(ticket=ticket, method=method, return_url=site_url(page))
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "payments/pay.html", context, status=400 if exc.status_code < 500 else 502)
        if payment.method == Payment.Method.ALIPAY:
            return redirect(payment.checkout_url)
        context.update(payment=payment, qr_svg=_qr_svg(payment.checkout_url),
                       status_url=f"{page}pay/status.json?p={payment.out_trade_no}")
        if is_stub():
            from .stub.wechat import order_from_code_url

            if order_from_code_url(payment.checkout_url) is not None:
                context["stub_scan_url"] = "/_stub/wechatpay/scan/?pr=" + payment.checkout_url.split("pr=", 1)[1]
    return render(request, "payments/pay.html", context)


@never_cache
@require_GET
@with_ticket
def pay_status(request: HttpRequest, ticket) -> HttpResponse:
    """Polled by the QR page: has the money arrived?"""
    due = payment_due(ticket=ticket)
    paid = due is not None and due.settled is not None
    return JsonResponse({"paid": paid, "next": ticket.get_tracking_url()})


@csrf_exempt
@require_POST
def notify_wechat(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's notification: RSA signature over timestamp, nonce and body with the platform key,
    the resource decrypted with our APIv3 key. Answer 204 once handled (the gateway stops retrying),
    4xx with ``{"code": "FAIL"}`` otherwise."""
    try:
        notice = WeChatPayGateway(base_url=site_base()).parse_notification(headers=request.META, body=request.body)
    except SignatureInvalid:
        logger.warning("wechatpay notification with an invalid signature refused")
        return JsonResponse({"code": "FAIL", "message": "签名错误"}, status=401)
    if isinstance(notice, RefundNotice):
        outcome = refund_notify(notice=notice)
        logger.info("wechatpay refund notification %s for %s: %s", notice.notify_id, notice.out_refund_no, outcome)
        if outcome == "unknown_refund":
            return JsonResponse({"code": "FAIL", "message": "退款单不存在"}, status=404)
        return HttpResponse(status=204)
    outcome = payment_notify(notice=notice)
    logger.info("wechatpay notification %s for %s: %s", notice.notify_id, notice.out_trade_no, outcome)
    if outcome == "unknown_order":
        return JsonResponse({"code": "FAIL", "message": "订单不存在"}, status=404)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def notify_alipay(request: HttpRequest) -> HttpResponse:
    """Alipay's async notification: RSA2 over the sorted form fields. Answer ``success`` once handled."""
    try:
        notice = AlipayGateway(base_url=site_base()).parse_notification(data=request.POST.dict())
    except SignatureInvalid:
        logger.warning("alipay notification with an invalid signature refused")
        return HttpResponse("fail", content_type="text/plain", status=400)
    outcome = payment_notify(notice=notice)
    logger.info("alipay notification %s for %s: %s", notice.notify_id, notice.out_trade_no, outcome)
    if outcome == "unknown_order":
        return HttpResponse("fail", content_type="text/plain", status=404)
    return HttpResponse("success", content_type="text/plain")
