from __future__ import annotations

from django.urls import path

from . import stub, views
from .carrier import is_stub

app_name = "logistics"

urlpatterns = [
    path("t/<str:token>/shipping/book/", views.book, name="book"),
    path("t/<str:token>/shipping/return/", views.return_choice, name="return_choice"),
    path("logistics/sf/push/", views.sf_push, name="sf_push"),
]

if is_stub():
    # the local stand-in of the carrier answers on this server only in development and tests
    urlpatterns += [
        path("_stub/sf/std/service", stub.service, name="stub_service"),
        path("_stub/sf/console/<str:waybill_no>/", stub.console, name="stub_console"),
    ]
