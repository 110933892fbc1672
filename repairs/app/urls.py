"""URLs of the technicians' app, mounted at /app/."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "technician"

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    # The app's words in one language (Django's djangojs catalogue); the URL changes with the app's
    # version, so a phone keeps a catalogue for as long as it keeps the scripts that use it.
    path("jsi18n/<str:lang>/<str:version>/", views.catalogue, name="jsi18n"),
    re_path(r"^(?:[\w\-/]*)$", views.app_shell, name="shell"),
]
