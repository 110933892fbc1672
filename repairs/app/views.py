"""The shell page, the web app manifest and the service worker of the technicians' app."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

from .assets import FIRST_LOAD, ICONS, LAZY, cache_version

THEME_COLOR = "#1f6feb"
YEAR = 365 * 24 * 3600
_js_catalogue = JavaScriptCatalog.as_view(packages=["repairs"])


def app_language() -> str:
    """The language LocaleMiddleware chose for this request (the language cookie the app sets, then
    the phone's Accept-Language), as one of ours: zh-hans unless the user reads English."""
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


def catalogue_url(lang: str) -> str:
    return reverse("technician:jsi18n", kwargs={"lang": lang, "version": cache_version()})


@require_safe
@never_cache
def app_shell(request: HttpRequest) -> HttpResponse:
    """Every /app/ URL answers with the same shell; the app routes on the URL's hash."""
    lang = app_language()
    return render(request, "technician/app.html", {
        "version": cache_version(), "theme_color": THEME_COLOR, "lang": lang, "catalogue": catalogue_url(lang),
    })


@require_safe
@cache_page(YEAR)
def catalogue(request: HttpRequest, lang: str, version: str) -> HttpResponse:
    """Django's JavaScript catalogue of one language. The version in the URL is the app's, so the
    answer never changes under it: cached by the server, and kept for good by phones."""
    if lang not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(lang):
        response = _js_catalogue(request)
    patch_cache_control(response, public=True, immutable=True)
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("售后工单·工程师"),
        "short_name": _("工程师"),
        "description": _("接单、签到、检测、报价、维修、交机，离线也能用。"),
        "lang": "zh-CN",
        "start_url": "/app/",
        "scope": "/app/",
        "id": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static(ICONS[0]), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static(ICONS[1]), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static(ICONS[2]), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker is served from /app/ so that its scope covers the app and nothing else."""
    precache = ["/app/", catalogue_url(app_language()), "/app/manifest.webmanifest",
                *(static(name) for name in (*FIRST_LOAD, *ICONS))]
    body = render(request, "technician/sw.js", {
        "version": cache_version(), "precache": json.dumps(precache), "lazy": json.dumps([static(n) for n in LAZY]),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/app/"
    return response
