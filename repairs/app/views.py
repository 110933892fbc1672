"""The shell page, the web app manifest and the service worker of the technicians' app."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .assets import FIRST_LOAD, ICONS, LAZY, cache_version

THEME_COLOR = "#1f6feb"


@require_safe
@never_cache
def app_shell(request: HttpRequest) -> HttpResponse:
    """Every /app/ URL answers with the same shell; the app routes on the URL's hash."""
    return render(request, "technician/app.html", {
        "version": cache_version(), "theme_color": THEME_COLOR,
    })


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
    precache = ["/app/", "/app/jsi18n/", "/app/manifest.webmanifest",
                *(static(name) for name in (*FIRST_LOAD, *ICONS))]
    body = render(request, "technician/sw.js", {
        "version": cache_version(), "precache": json.dumps(precache), "lazy": json.dumps([static(n) for n in LAZY]),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/app/"
    return response
