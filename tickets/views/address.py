"""The 省/市/区 picker's data: the children of one division as JSON, from the same division data the
address parser uses (so every code offered can be placed)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tickets.address import division_children


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def divisions(request: HttpRequest) -> JsonResponse:
    """``?province=<code>`` → its cities, ``?city=<code>`` → its districts, nothing → the provinces.
    An unknown code gives an empty list."""
    if code := (request.GET.get("city") or "").strip()[:12]:
        children = division_children(level="city", code=code)
    elif code := (request.GET.get("province") or "").strip()[:12]:
        children = division_children(level="province", code=code)
    else:
        children = division_children()
    return JsonResponse({"options": [{"code": d.code, "name": d.name} for d in children]})
