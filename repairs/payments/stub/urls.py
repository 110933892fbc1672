from __future__ import annotations

from django.urls import path

from . import alipay, wechat

app_name = "payments_stub"

urlpatterns = [
    path("_stub/wechatpay/v3/pay/transactions/native", wechat.native, name="wechat_native"),
    path("_stub/wechatpay/v3/pay/transactions/jsapi", wechat.jsapi, name="wechat_jsapi"),
    path("_stub/wechatpay/v3/refund/domestic/refunds", wechat.refund, name="wechat_refund"),
    path("_stub/wechatpay/scan/", wechat.scan, name="wechat_scan"),
    path("_stub/wechatpay/bridge/getBrandWCPayRequest", wechat.bridge_pay, name="wechat_bridge"),
    path("_stub/wechat/connect/oauth2/authorize", wechat.oauth_authorize, name="wechat_oauth_authorize"),
    path("_stub/wechat/sns/oauth2/access_token", wechat.oauth_access_token, name="wechat_oauth_token"),
    path("_stub/alipay/gateway.do", alipay.gateway, name="alipay_gateway"),
]
