from __future__ import annotations

from django.urls import include, path

from . import views
from .keys import is_stub

app_name = "payments"

urlpatterns = [
    path("t/<str:token>/pay/", views.pay, name="pay"),
    path("t/<str:token>/pay/status.json", views.pay_status, name="pay_status"),
    path("t/<str:token>/pay/wechat/", views.pay_wechat_return, name="pay_wechat_return"),
    path("payments/notify/wechat/", views.notify_wechat, name="notify_wechat"),
    path("payments/notify/alipay/", views.notify_alipay, name="notify_alipay"),
]

if is_stub():
    # the local stand-ins of the gateways answer on this server only in development and tests
    urlpatterns.append(path("", include("repairs.payments.stub.urls")))
