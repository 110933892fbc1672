"""The payment gateways behind one interface: WeChat Pay API v3 (``wechatpayv3``) and Alipay
(``python-alipay-sdk``, RSA2).

Both adapters take their keys from ``keys`` (the production keys, or the local stub's generated
test keys) and their gateway address from there too, so the same code signs requests, verifies
signed responses and notifications, and decrypts WeChat's AES-256-GCM resources against the real
gateways or against the stub in ``stub/``. Nothing here touches the database.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from django.utils.translation import gettext as _
from wechatpayv3 import WeChatPay, WeChatPayType

from .exceptions import GatewayError, SignatureInvalid
from .keys import alipay_keys, wechat_keys

logger = logging.getLogger(__name__)

#: A notification older than this is refused: a replayed capture of a genuine one proves nothing new.
NOTIFICATION_MAX_AGE_SECONDS = 300
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Notice:
    """A verified gateway notification about one of our orders."""

    gateway: str
    notify_id: str
    out_trade_no: str
    paid: bool
    amount_fen: int
    trade_no: str = ""
    payer: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundNotice:
    """A verified notification about one of our refunds (WeChat Pay answers most refunds
    ``PROCESSING`` and reports the outcome later)."""

    gateway: str
    notify_id: str
    out_refund_no: str
    succeeded: bool
    refund_fen: int
    gateway_refund_no: str = ""
    status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    succeeded: bool
    pending: bool
    gateway_refund_no: str = ""
    failure: str = ""


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


# --------------------------------------------------------------------------------------------
# WeChat Pay API v3
# --------------------------------------------------------------------------------------------

class WeChatPayGateway:
    name = "wechat"

    def __init__(self, *, base_url: str):
        self.keys = wechat_keys(base_url=base_url)
        # public-key mode (公钥模式): the platform key is configured, no certificate download at start
        self.client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE, mchid=self.keys.mchid, private_key=self.keys.private_key,
            cert_serial_no=self.keys.cert_serial_no, appid=self.keys.appid, apiv3_key=self.keys.apiv3_key,
            public_key=self.keys.public_key, public_key_id=self.keys.public_key_id, timeout=(5, TIMEOUT_SECONDS),
        )
        # The SDK hard-codes the production host; the gateway address is configuration here (the stub in
        # development, a regional endpoint in production), and the request signature covers only the path.
        self.client._core._gate_way = self.keys.gateway

    def _call(self, func, **kwargs) -> dict:
        try:
            code, message = func(**kwargs)
        except Exception as exc:  # the SDK raises bare Exception on transport and signature failures
            logger.warning("wechatpay call failed: %s", exc)
            raise GatewayError() from exc
        try:
            data = json.loads(message) if message else {}
        except (TypeError, ValueError):
            data = {}
        if not 200 <= code < 300:
            logger.warning("wechatpay answered %s: %s", code, data)
            raise GatewayError(_("微信支付下单失败：%(msg)s") % {"msg": data.get("message") or code},
                               extra={"gateway_code": data.get("code", "")})
        return data

    def create_native(self, *, out_trade_no: str, amount_fen: int, description: str, notify_url: str) -> str:
        """Order a QR code payment; returns the ``code_url`` the customer scans."""
        data = self._call(self.client.pay, description=description, out_trade_no=out_trade_no,
                          amount={"total": amount_fen, "currency": "CNY"}, notify_url=notify_url,
                          pay_type=WeChatPayType.NATIVE)
        if not data.get("code_url"):
            raise GatewayError()
        return data["code_url"]

    def create_jsapi(self, *, out_trade_no: str, amount_fen: int, description: str, notify_url: str,
                     openid: str) -> dict[str, str]:
        """Order an in-WeChat payment; returns the signed parameters of ``WeixinJSBridge.invoke``."""
        data = self._call(self.client.pay, description=description, out_trade_no=out_trade_no,
                          amount={"total": amount_fen, "currency": "CNY"}, notify_url=notify_url,
                          payer={"openid": openid}, pay_type=WeChatPayType.JSAPI)
        prepay_id = data.get("prepay_id")
        if not prepay_id:
            raise GatewayError()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        return {"appId": self.keys.appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
                "signType": "RSA", "paySign": self.client.sign([self.keys.appid, timestamp, nonce, package])}

    def parse_notification(self, *, headers: dict[str, Any], body: bytes) -> Notice | RefundNotice:
        """Verify the platform's RSA signature, decrypt the AES-256-GCM resource and read the result
        (a payment, or a refund's outcome). Raises SignatureInvalid for anything not provably from
        the gateway."""
        stamp = headers.get("HTTP_WECHATPAY_TIMESTAMP", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > NOTIFICATION_MAX_AGE_SECONDS:
            raise SignatureInvalid()
        try:
            data = self.client.callback(headers, body)
        except Exception as exc:  # an unknown algorithm or a malformed body
            raise SignatureInvalid() from exc
        if not data or not isinstance(data.get("resource"), dict):
            raise SignatureInvalid()
        resource = data["resource"]
        if resource.get("mchid") != self.keys.mchid:
            raise SignatureInvalid()
        if str(data.get("event_type", "")).startswith("REFUND."):
            return RefundNotice(
                gateway=self.name, notify_id=str(data.get("id", "")), out_refund_no=resource.get("out_refund_no", ""),
                succeeded=resource.get("refund_status") == "SUCCESS", status=resource.get("refund_status", ""),
                refund_fen=int((resource.get("amount") or {}).get("refund") or 0),
                gateway_refund_no=resource.get("refund_id", ""), raw=resource)
        if resource.get("appid") != self.keys.appid:
            raise SignatureInvalid()
        return Notice(
            gateway=self.name, notify_id=str(data.get("id", "")), out_trade_no=resource.get("out_trade_no", ""),
            paid=data.get("event_type") == "TRANSACTION.SUCCESS" and resource.get("trade_state") == "SUCCESS",
            amount_fen=int((resource.get("amount") or {}).get("total") or 0),
            trade_no=resource.get("transaction_id", ""), payer=(resource.get("payer") or {}).get("openid", ""),
            raw=resource,
        )

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str,
               notify_url: str) -> RefundResult:
        data = self._call(self.client.refund, out_refund_no=out_refund_no, out_trade_no=out_trade_no,
                          amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                          reason=reason[:80], notify_url=notify_url)
        status = data.get("status", "")
        return RefundResult(succeeded=status == "SUCCESS", pending=status == "PROCESSING",
                            gateway_refund_no=data.get("refund_id", ""),
                            failure="" if status in ("SUCCESS", "PROCESSING") else status)


# --------------------------------------------------------------------------------------------
# Alipay (open platform, RSA2)
# --------------------------------------------------------------------------------------------

class _ConfiguredAliPay(AliPay):
    def __init__(self, *, gateway: str, **kwargs):
        super().__init__(**kwargs)
        # the SDK picks production or sandbox by a flag; the address is configuration here
        self._gateway = gateway


class AlipayGateway:
    name = "alipay"

    def __init__(self, *, base_url: str):
        self.keys = alipay_keys(base_url=base_url)
        self.client = _ConfiguredAliPay(gateway=self.keys.gateway, appid=self.keys.appid,
                                        app_private_key_string=self.keys.app_private_key,
                                        alipay_public_key_string=self.keys.alipay_public_key, sign_type="RSA2")

    def create_wap(self, *, out_trade_no: str, amount_fen: int, subject: str, notify_url: str,
                   return_url: str) -> str:
        """The signed address of Alipay's mobile cashier for this order."""
        query = self.client.api_alipay_trade_wap_pay(subject=subject, out_trade_no=out_trade_no,
                                                     total_amount=yuan(amount_fen), return_url=return_url,
                                                     notify_url=notify_url, timeout_express="30m")
        return f"{self.keys.gateway}?{query}"

    def parse_notification(self, *, data: dict[str, str]) -> Notice:
        """Verify the RSA2 signature over the sorted parameters. Raises SignatureInvalid."""
        data = dict(data)
        signature = data.pop("sign", "")
        if not signature:
            raise SignatureInvalid()
        try:
            valid = self.client.verify(dict(data), signature)
        except (AliPayException, ValueError, TypeError) as exc:
            raise SignatureInvalid() from exc
        if not valid or data.get("app_id") != self.keys.appid:
            raise SignatureInvalid()
        try:
            fen = int((Decimal(data.get("total_amount") or "0") * 100).to_integral_value())
        except ArithmeticError:
            raise SignatureInvalid()
        return Notice(
            gateway=self.name, notify_id=data.get("notify_id", ""), out_trade_no=data.get("out_trade_no", ""),
            paid=data.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED"), amount_fen=fen,
            trade_no=data.get("trade_no", ""), payer=data.get("buyer_logon_id", ""), raw=data,
        )

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str,
               notify_url: str) -> RefundResult:
        try:
            data = self.client.api_alipay_trade_refund(refund_amount=yuan(refund_fen), out_trade_no=out_trade_no,
                                                       out_request_no=out_refund_no, refund_reason=reason[:80])
        except AliPayValidationError as exc:
            logger.warning("alipay refund answer with a bad signature")
            raise GatewayError() from exc
        except (AliPayException, OSError, ValueError) as exc:
            logger.warning("alipay refund failed: %s", exc)
            raise GatewayError() from exc
        ok = data.get("code") == "10000" and data.get("fund_change") == "Y"
        return RefundResult(succeeded=ok, pending=False, gateway_refund_no=data.get("trade_no", ""),
                            failure="" if ok else (data.get("sub_msg") or data.get("msg") or ""))


def gateway_for(method: str, *, base_url: str) -> WeChatPayGateway | AlipayGateway:
    if method.startswith("wechat"):
        return WeChatPayGateway(base_url=base_url)
    if method == "alipay":
        return AlipayGateway(base_url=base_url)
    raise ValueError(method)
