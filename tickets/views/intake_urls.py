"""/submit/ customer form, its confirmation page, and the intake integration API."""

from __future__ import annotations

from django.urls import path

from tickets.intake.api import IntakePhoneCodeApi, IntakeTicketCreateApi

from . import address as address_views
from . import intake as views

app_name = "intake"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/done/<str:token>/", views.done, name="done"),
    path("submit/received/", views.received, name="received"),
    path("address/divisions/", address_views.divisions, name="divisions"),
    path("api/intake/v1/tickets/", IntakeTicketCreateApi.as_view(), name="api-ticket-create"),
    path("api/intake/v1/phone-codes/", IntakePhoneCodeApi.as_view(), name="api-phone-code"),
]
