"""The customer's payment pages (``/t/<token>/pay/``) and the gateways' signed notification callbacks.

The tracking token is the customer's credential, resolved here with the progress selectors; the
callbacks trust nothing but a verified signature.
"""

from __future__ import annotations

import io
import logging
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repairs.customer_pages import with_ticket
from tickets.exceptions import DomainError
from tickets.links import site_base, site_url
from tickets.progress import selectors as progress

from .exceptions import GatewayError, SignatureInvalid
from .gateways import AlipayGateway, RefundNotice, WeChatPayGateway
from .keys import WeChatOAuthKeys, is_stub, online_methods, wechat_oauth_keys
from .models import Payment
from .oauth import authorize_url, is_wechat_browser, openid_for_code
from .selectors import payment_due
from .services import payment_notify, payment_start, refund_notify

logger = logging.getLogger(__name__)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


#: The payer's openid under the paying official account, once WeChat's OAuth has told it.
OPENID_SESSION_KEY = "payments.wechat_openid"
#: The OAuth ``state`` each ticket's pay page sent WeChat, kept until the callback uses it up.
STATE_SESSION_KEY = "payments.wechat_oauth_state"


def _wechat_oauth(request: HttpRequest) -> WeChatOAuthKeys | None:
    """The OAuth keys when this page is open in WeChat's browser and JSAPI can be used, else None
    (outside WeChat, or a shop without the official account's secret: the QR code serves)."""
    if not is_wechat_browser(request.headers.get("user-agent", "")) or "wechat" not in online_methods():
        return None
    return wechat_oauth_keys(base_url=site_base())


def _session_openid(request: HttpRequest, keys: WeChatOAuthKeys) -> str:
    known = request.session.get(OPENID_SESSION_KEY) or {}
    return known.get("openid", "") if known.get("appid") == keys.appid else ""


def _authorize(request: HttpRequest, ticket, keys: WeChatOAuthKeys) -> HttpResponse:
    """Send WeChat's browser to the silent authorization; the ``state`` is a one-time secret of this
    session and this ticket, so only a return this page started is accepted."""
    state = secrets.token_urlsafe(24)
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    states[str(ticket.pk)] = state
    request.session[STATE_SESSION_KEY] = states
    callback = site_url(reverse("payments:pay_wechat_return", kwargs={"token": ticket.tracking_token}))
    return redirect(authorize_url(keys, redirect_uri=callback, state=state))


@never_cache
@require_http_methods(["GET", "POST"])
@with_ticket
def pay(request: HttpRequest, ticket) -> HttpResponse:
    """Choose WeChat Pay (a QR code to scan) or Alipay (its mobile cashier), pay, come back live.

    Inside WeChat's own browser WeChat Pay is paid in place (JSAPI): the page first learns the
    payer's openid through WeChat's silent OAuth, then orders with it and hands the signed
    parameters to ``WeixinJSBridge``."""
    due = payment_due(ticket=ticket)
    page = progress.ticket_get_by_token(token=ticket.tracking_token).get_tracking_url()
    if due is None or due.settled is not None or not due.payable_now or not online_methods():
        if due is not None and due.settled is not None:
            messages.info(request, _("该维修费用已支付，无需重复付款。"))
        return redirect(page)
    oauth = _wechat_oauth(request)
    openid = _session_openid(request, oauth) if oauth is not None else ""
    if oauth is not None and not openid:
        return _authorize(request, ticket, oauth)
    context: dict[str, Any] = {"ticket": ticket, "token": ticket.tracking_token, "amount": f"{due.amount:.2f}",
                               "quote": due.quote, "error": "", "in_wechat": oauth is not None}
    if request.method == "POST":
        method = request.POST.get("method", "")
        if oauth is not None and method in (Payment.Method.WECHAT_NATIVE, Payment.Method.WECHAT_JSAPI):
            method = Payment.Method.WECHAT_JSAPI  # in WeChat, WeChat Pay is paid in place
        try:
            payment = payment_start(ticket=ticket, method=method, return_url=site_url(page), openid=openid)
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "payments/pay.html", context, status=400 if exc.status_code < 500 else 502)
        if payment.method == Payment.Method.ALIPAY:
            return redirect(payment.checkout_url)
        context.update(payment=payment, status_url=f"{page}pay/status.json?p={payment.out_trade_no}")
        if payment.method == Payment.Method.WECHAT_JSAPI:
            context["jsapi"] = payment.jsapi
            return render(request, "payments/pay.html", context)
        context["qr_svg"] = _qr_svg(payment.checkout_url)
        if is_stub():
            from .stub.wechat import order_from_code_url

            if order_from_code_url(payment.checkout_url) is not None:
                context["stub_scan_url"] = "/_stub/wechatpay/scan/?pr=" + payment.checkout_url.split("pr=", 1)[1]
    return render(request, "payments/pay.html", context)


@never_cache
@require_GET
@with_ticket
def pay_wechat_return(request: HttpRequest, ticket) -> HttpResponse:
    """WeChat's OAuth comes back here with ``code`` and ``state``: the state must be the one this
    session sent for this ticket (used once); the code is exchanged for the payer's openid."""
    back = reverse("payments:pay", kwargs={"token": ticket.tracking_token})
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    expected = states.pop(str(ticket.pk), "")
    request.session[STATE_SESSION_KEY] = states
    keys = _wechat_oauth(request)
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    context = {"ticket": ticket, "token": ticket.tracking_token, "retry_url": back}
    if keys is None or not expected or not code or not constant_time_compare(expected, state):
        context["error"] = _("微信授权已失效或不是从本页面发起的，请返回重新打开支付页面。")
        return render(request, "payments/oauth_failed.html", context, status=400)
    try:
        openid = openid_for_code(keys, code=code)
    except GatewayError as exc:
        context["error"] = str(exc)
        return render(request, "payments/oauth_failed.html", context, status=502)
    request.session[OPENID_SESSION_KEY] = {"appid": keys.appid, "openid": openid}
    return redirect(back)


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
