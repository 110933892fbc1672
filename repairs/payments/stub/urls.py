from __future__ import annotations

from django.urls import path

from . import alipay, wechat

app_name = "payments_stub"

urlpatterns = [
    path("_stub/wechatpay/v3/pay/transactions/native", wechat.native, name="wechat_native"),
    path("_stub/wechatpay/v3/pay/transactions/jsapi", wechat.jsapi, name="wechat_jsapi"),
    path("_stub/wechatpay/v3/refund/domestic/refunds", wechat.refund, name="wechat_refund"),
    path("_stub/wechatpay/scan/", wechat.scan, name="wechat_scan"),
    path("_stub/alipay/gateway.do", alipay.gateway, name="alipay_gateway"),
]
