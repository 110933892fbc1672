"""URLs of the technicians' app, mounted at /app/."""

from __future__ import annotations

from django.urls import path, re_path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from . import views

app_name = "technician"

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    # The app's words in the user's language (the djangojs catalogue); the strings are written in Chinese.
    path("jsi18n/", cache_page(3600)(JavaScriptCatalog.as_view(packages=["repairs"])), name="jsi18n"),
    re_path(r"^(?:[\w\-/]*)$", views.app_shell, name="shell"),
]
