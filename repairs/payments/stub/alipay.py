"""The Alipay open platform side (RSA2): the mobile cashier, refunds and the signed async notification."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from alipay import AliPay
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..keys import stub_keys
from .common import deliver


def _platform() -> AliPay:
    """Alipay's own key pair in the SDK's hands: ``_sign`` signs as the platform, ``verify`` checks
    the merchant's (app) signature."""
    keys = stub_keys()["alipay"]
    return AliPay(appid=keys["appid"], app_private_key_string=keys["alipay_private_key"],
                  alipay_public_key_string=keys["app_public_key"], sign_type="RSA2")


def _verified(params: dict[str, str]) -> dict[str, Any] | None:
    params = dict(params)
    signature = params.pop("sign", "")
    if not signature or params.get("app_id") != stub_keys()["alipay"]["appid"]:
        return None
    # a request's signature covers every parameter but ``sign`` (``sign_type`` included, unlike the
    # async notification's), sorted by name, values unencoded
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    try:
        if not _platform()._verify(message, signature):
            return None
    except (ValueError, TypeError, IndexError):  # a malformed signature is simply not valid
        return None
    try:
        params["biz_content"] = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return None
    return params


def _json_answer(response_type: str, content: dict) -> HttpResponse:
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    sign = _platform()._sign(text)
    return HttpResponse(f'{{"{response_type}":{text},"sign":"{sign}"}}', content_type="application/json")


def notification(params: dict[str, Any], *, amount: str | None = None, notify_id: str | None = None,
                 trade_no: str | None = None, trade_status: str = "TRADE_SUCCESS") -> dict[str, str]:
    """The async notification (form fields) of a paid order, signed RSA2 by the platform over the
    sorted fields except ``sign`` and ``sign_type``."""
    biz = params["biz_content"]
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    data = {
        "notify_time": now, "notify_type": "trade_status_sync", "notify_id": notify_id or secrets.token_hex(16),
        "app_id": params["app_id"], "charset": "utf-8", "version": "1.0", "trade_no": trade_no or
        "2026" + secrets.token_hex(12), "out_trade_no": biz["out_trade_no"], "total_amount": amount or
        biz["total_amount"], "receipt_amount": amount or biz["total_amount"], "buyer_logon_id": "138****0000",
        "trade_status": trade_status, "gmt_create": now, "gmt_payment": now, "subject": biz.get("subject", ""),
    }
    unsigned = "&".join(f"{k}={v}" for k, v in sorted(data.items()))
    return {**data, "sign_type": "RSA2", "sign": _platform()._sign(unsigned)}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    """``gateway.do``: the cashier for page/wap pay (GET from the customer's browser), the JSON API
    for server calls, and the customer's confirmation (POST of the cashier form)."""
    if request.method == "POST":
        params = _verified(dict(parse_qsl(request.POST.get("order", ""))))
        if params is None:
            return HttpResponse("invalid order", status=400)
        data = notification(params)
        deliver(params["notify_url"], headers={}, body=data)
        back = params.get("return_url")
        if back:
            query = {k: data[k] for k in ("out_trade_no", "trade_no", "total_amount")}
            return HttpResponseRedirect(f"{back}{'&' if '?' in back else '?'}{urlencode(query)}")
        return render(request, "payments/stub/result.html", {"title": "支付成功", "ok": True})
    params = _verified(request.GET.dict())
    method = request.GET.get("method", "")
    if params is None:
        if method.startswith("alipay.trade.") and method not in ("alipay.trade.wap.pay", "alipay.trade.page.pay"):
            return HttpResponse(json.dumps({"error_response": {"code": "40002", "msg": "Invalid Arguments",
                                                               "sub_code": "isv.invalid-signature"}}),
                                content_type="application/json")
        return HttpResponse("签名验证失败", status=400)
    biz = params["biz_content"]
    if method in ("alipay.trade.wap.pay", "alipay.trade.page.pay"):
        if not params.get("notify_url") or not biz.get("out_trade_no") or not biz.get("total_amount"):
            return HttpResponse("缺少参数", status=400)
        return render(request, "payments/stub/pay.html", {
            "gateway": "支付宝", "order": {"description": biz.get("subject", ""), "out_trade_no": biz["out_trade_no"]},
            "yuan": biz["total_amount"], "alipay_order": request.META.get("QUERY_STRING", ""),
        })
    if method == "alipay.trade.refund":
        return _json_answer("alipay_trade_refund_response", {
            "code": "10000", "msg": "Success", "trade_no": "2026" + secrets.token_hex(12),
            "out_trade_no": biz.get("out_trade_no", ""), "buyer_logon_id": "138****0000", "fund_change": "Y",
            "refund_fee": biz.get("refund_amount", "0.00"),
        })
    return _json_answer(method.replace(".", "_") + "_response",
                        {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.METHOD_NOT_SUPPORTED"})
