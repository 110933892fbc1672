"""The WeChat Pay API v3 side: order (Native, JSAPI), the scan-and-pay page, refunds and the
encrypted, signed notification; and the WeChat side of a JSAPI payment: the official account's web
OAuth (authorize page and code exchange) and what the in-app ``getBrandWCPayRequest`` does (check
the merchant's paySign, let the payer confirm, notify)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import timedelta
from datetime import timezone as dt_timezone
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wechatpayv3.utils import rsa_sign

from ..keys import stub_keys, stub_oauth_secret
from .common import deliver

PREFIX = "/_stub/wechatpay"
SALT = "payments.stub.wechatpay"
OAUTH_SALT = "payments.stub.wechat.oauth"
#: WeChat's own login of the phone's user, which the authorize page stands on
USER_COOKIE = "stub_wx_user"
CODE_SECONDS = 300
_AUTH = re.compile(r'(\w+)="([^"]*)"')


def _keys() -> dict:
    return stub_keys()["wechat"]


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def signed_headers(body: str) -> dict[str, str]:
    """The platform's signature headers over ``body`` (responses and notifications)."""
    keys = _keys()
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    private = load_pem_private_key(keys["platform_private_key"].encode(), password=None)
    return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(private, f"{stamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": keys["public_key_id"], "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}


def _signed(data: dict, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json")
    for key, value in signed_headers(body).items():
        response[key] = value
    return response


def _authenticated(request: HttpRequest) -> bool:
    """Check the merchant's ``Authorization`` signature the way the gateway does: method, URL path,
    timestamp, nonce and body, signed with the merchant's API key of the registered serial."""
    keys = _keys()
    header = request.headers.get("Authorization", "")
    if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
        return False
    fields = dict(_AUTH.findall(header))
    if fields.get("mchid") != keys["mchid"] or fields.get("serial_no") != keys["cert_serial_no"]:
        return False
    stamp = fields.get("timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return False
    path = request.get_full_path()[len(PREFIX):]
    message = f"{request.method}\n{path}\n{stamp}\n{fields.get('nonce_str', '')}\n{request.body.decode()}\n"
    public = load_pem_public_key(keys["merchant_public_key"].encode())
    try:
        public.verify(base64.b64decode(fields.get("signature", "")), message.encode(), PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _order_from_body(request: HttpRequest) -> tuple[dict | None, JsonResponse | None]:
    if not _authenticated(request):
        return None, _error(401, "SIGN_ERROR", "签名错误")
    try:
        body = json.loads(request.body)
    except ValueError:
        return None, _error(400, "PARAM_ERROR", "请求体不是合法的 JSON")
    keys = _keys()
    total = (body.get("amount") or {}).get("total")
    missing = [k for k in ("appid", "mchid", "description", "out_trade_no", "notify_url") if not body.get(k)]
    if missing or not isinstance(total, int) or total <= 0:
        return None, _error(400, "PARAM_ERROR", f"参数错误 {missing or 'amount.total'}")
    if body["appid"] != keys["appid"] or body["mchid"] != keys["mchid"]:
        return None, _error(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
    return {"out_trade_no": body["out_trade_no"], "total": total, "description": body["description"],
            "notify_url": body["notify_url"], "openid": (body.get("payer") or {}).get("openid", "")}, None


@csrf_exempt
@require_POST
def native(request: HttpRequest) -> HttpResponse:
    order, error = _order_from_body(request)
    if error:
        return error
    token = signing.dumps(order, salt=SALT, compress=True)
    return _signed({"code_url": f"weixin://wxpay/bizpayurl?pr={token}"})


@csrf_exempt
@require_POST
def jsapi(request: HttpRequest) -> HttpResponse:
    order, error = _order_from_body(request)
    if error:
        return error
    if not order["openid"]:
        return _error(400, "PARAM_ERROR", "JSAPI 下单须提供 payer.openid")
    return _signed({"prepay_id": "wx" + signing.dumps(order, salt=SALT, compress=True)})


@csrf_exempt
@require_POST
def refund(request: HttpRequest) -> HttpResponse:
    if not _authenticated(request):
        return _error(401, "SIGN_ERROR", "签名错误")
    try:
        body = json.loads(request.body)
        amount = body["amount"]
        refund_fen, total_fen = int(amount["refund"]), int(amount["total"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "参数错误")
    if not body.get("out_refund_no") or not body.get("out_trade_no") or not 0 < refund_fen <= total_fen:
        return _error(400, "PARAM_ERROR", "退款金额或单号错误")
    return _signed({"refund_id": "50" + secrets.token_hex(14), "out_refund_no": body["out_refund_no"],
                    "out_trade_no": body["out_trade_no"], "channel": "ORIGINAL", "status": "SUCCESS",
                    "create_time": _now(), "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"}})


def _now() -> str:
    return timezone.now().astimezone(dt_timezone(timedelta(hours=8))).isoformat(timespec="seconds")


def notification(order: dict[str, Any], *, amount_fen: int | None = None, notify_id: str | None = None,
                 transaction_id: str | None = None, trade_state: str = "SUCCESS",
                 trade_type: str = "NATIVE") -> tuple[dict[str, str], str]:
    """The TRANSACTION.SUCCESS notification of ``order``: the resource encrypted with the merchant's
    APIv3 key (AEAD_AES_256_GCM), the envelope signed with the platform key. Returns (headers, body)."""
    keys = _keys()
    resource = {
        "mchid": keys["mchid"], "appid": keys["appid"], "out_trade_no": order["out_trade_no"],
        "transaction_id": transaction_id or "4200" + secrets.token_hex(12), "trade_type": trade_type,
        "trade_state": trade_state, "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": _now(), "payer": {"openid": order.get("openid") or "o" + secrets.token_hex(13)},
        "amount": {"total": order["total"] if amount_fen is None else amount_fen, "currency": "CNY",
                   "payer_total": order["total"] if amount_fen is None else amount_fen, "payer_currency": "CNY"},
    }
    nonce, associated = secrets.token_hex(6), "transaction"
    cipher = AESGCM(keys["apiv3_key"].encode()).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                                        associated.encode())
    body = json.dumps({
        "id": notify_id or secrets.token_hex(18), "create_time": _now(), "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS" if trade_state == "SUCCESS" else "TRANSACTION.CLOSED",
        "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                     "ciphertext": base64.b64encode(cipher).decode(), "associated_data": associated, "nonce": nonce},
    })
    return {**signed_headers(body), "Content-Type": "application/json"}, body


def refund_notification(*, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int,
                        status: str = "SUCCESS", notify_id: str | None = None) -> tuple[dict[str, str], str]:
    """The REFUND.SUCCESS (or .ABNORMAL / .CLOSED) notification of a refund, encrypted and signed."""
    keys = _keys()
    resource = {"mchid": keys["mchid"], "out_trade_no": out_trade_no, "transaction_id": "4200" + secrets.token_hex(12),
                "out_refund_no": out_refund_no, "refund_id": "50" + secrets.token_hex(14), "refund_status": status,
                "success_time": _now(), "user_received_account": "支付用户零钱",
                "amount": {"total": total_fen, "refund": refund_fen, "payer_total": total_fen,
                           "payer_refund": refund_fen}}
    nonce, associated = secrets.token_hex(6), "refund"
    cipher = AESGCM(keys["apiv3_key"].encode()).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                                        associated.encode())
    body = json.dumps({
        "id": notify_id or secrets.token_hex(18), "create_time": _now(), "resource_type": "encrypt-resource",
        "event_type": f"REFUND.{status}", "summary": "退款成功",
        "resource": {"original_type": "refund", "algorithm": "AEAD_AES_256_GCM",
                     "ciphertext": base64.b64encode(cipher).decode(), "associated_data": associated, "nonce": nonce},
    })
    return {**signed_headers(body), "Content-Type": "application/json"}, body


def order_from_code_url(code_url: str) -> dict | None:
    token = code_url.split("pr=", 1)[-1]
    try:
        return signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None


@csrf_exempt  # the page of the customer's WeChat, not of this site
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    """What the customer's WeChat shows after scanning the QR code: merchant, amount, pay."""
    try:
        order = signing.loads(request.GET.get("pr", ""), salt=SALT)
    except signing.BadSignature:
        return render(request, "payments/stub/result.html", {"title": "二维码无效", "ok": False}, status=400)
    if request.method == "POST":
        headers, body = notification(order)
        deliver(order["notify_url"], headers=headers, body=body.encode())
        return render(request, "payments/stub/result.html", {"title": "支付成功", "ok": True, "order": order,
                                                             "yuan": f"{order['total'] / 100:.2f}"})
    return render(request, "payments/stub/pay.html", {"gateway": "微信支付", "order": order,
                                                      "yuan": f"{order['total'] / 100:.2f}"})


# --------------------------------------------------------------------------------------------
# The WeChat side of JSAPI: web OAuth and the in-app cashier
# --------------------------------------------------------------------------------------------

def _openid(appid: str, user: str) -> str:
    """The user's openid under this official account: stable per user and account, as WeChat's is."""
    digest = hmac.new(appid.encode(), user.encode(), hashlib.sha256).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def _oauth_refusal(message: str) -> HttpResponse:
    """WeChat shows its own error page and never returns to the merchant."""
    return HttpResponse(format_html('<h1 id="stub-result">{}</h1>', message), status=400)


@require_GET
def oauth_authorize(request: HttpRequest) -> HttpResponse:
    """``open.weixin.qq.com/connect/oauth2/authorize``: for ``snsapi_base`` WeChat asks the user
    nothing and returns at once to ``redirect_uri`` with a one-time ``code`` and the ``state``."""
    keys, q = _keys(), request.GET
    if q.get("appid") != keys["appid"]:
        return _oauth_refusal("appid 无效")
    if q.get("response_type") != "code" or q.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return _oauth_refusal("scope 参数错误")
    redirect_uri = q.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return _oauth_refusal("redirect_uri 参数错误")
    user = request.COOKIES.get(USER_COOKIE) or secrets.token_hex(8)
    code = signing.dumps({"openid": _openid(keys["appid"], user), "appid": keys["appid"],
                          "nonce": secrets.token_hex(4)}, salt=OAUTH_SALT, compress=True)
    separator = "&" if "?" in redirect_uri else "?"
    response = HttpResponseRedirect(redirect_uri + separator + urlencode({"code": code, "state": q.get("state", "")}))
    response.set_cookie(USER_COOKIE, user, httponly=True, samesite="Lax", path="/_stub/wechat/")
    return response


@require_GET
def oauth_access_token(request: HttpRequest) -> JsonResponse:
    """``api.weixin.qq.com/sns/oauth2/access_token``: the code, once and within five minutes, for
    the openid. Errors answer HTTP 200 with ``errcode`` as WeChat's do."""
    keys, q = _keys(), request.GET
    if q.get("appid") != keys["appid"] or not hmac.compare_digest(q.get("secret", ""), stub_oauth_secret()):
        return JsonResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
    if q.get("grant_type") != "authorization_code":
        return JsonResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
    code = q.get("code", "")
    try:
        data = signing.loads(code, salt=OAUTH_SALT, max_age=CODE_SECONDS)
    except signing.BadSignature:
        return JsonResponse({"errcode": 40029, "errmsg": "invalid code"})
    if data.get("appid") != keys["appid"]:
        return JsonResponse({"errcode": 40029, "errmsg": "invalid code"})
    if not cache.add("payments-stub-wx-code:" + hashlib.sha256(code.encode()).hexdigest(), 1, CODE_SECONDS * 2):
        return JsonResponse({"errcode": 40163, "errmsg": "code been used"})
    return JsonResponse({"access_token": secrets.token_hex(32), "expires_in": 7200,
                         "refresh_token": secrets.token_hex(32), "openid": data["openid"], "scope": "snsapi_base"})


def _bridge_answer(outcome: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"err_msg": f"get_brand_wcpay_request:{outcome}"}, status=status)


@csrf_exempt  # called by the page's WeixinJSBridge stand-in, as WeChat's client would act
@require_POST
def bridge_pay(request: HttpRequest) -> JsonResponse:
    """What ``WeixinJSBridge.invoke('getBrandWCPayRequest', params)`` does in WeChat: verify the
    merchant's paySign (RSA over appId, timeStamp, nonceStr and package), show the cashier and, once
    the payer confirms, have the gateway notify the merchant. ``{"cancel": true}`` stands for the
    payer closing the cashier."""
    try:
        params = json.loads(request.body)
    except ValueError:
        return _bridge_answer("fail", status=400)
    keys = _keys()
    if not isinstance(params, dict) or params.get("appId") != keys["appid"] or params.get("signType") != "RSA":
        return _bridge_answer("fail", status=400)
    fields = [str(params.get(k, "")) for k in ("appId", "timeStamp", "nonceStr", "package")]
    public = load_pem_public_key(keys["merchant_public_key"].encode())
    try:
        public.verify(base64.b64decode(str(params.get("paySign", ""))), ("\n".join(fields) + "\n").encode(),
                      PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError):
        return _bridge_answer("fail", status=400)
    package = fields[3]
    if not package.startswith("prepay_id=wx"):
        return _bridge_answer("fail", status=400)
    try:
        order = signing.loads(package[len("prepay_id=wx"):], salt=SALT)
    except signing.BadSignature:
        return _bridge_answer("fail", status=400)
    if params.get("cancel"):
        return _bridge_answer("cancel")
    headers, body = notification(order, trade_type="JSAPI")
    deliver(order["notify_url"], headers=headers, body=body.encode())
    return _bridge_answer("ok")
