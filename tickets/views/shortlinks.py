"""``/l/<code>``: the short links in SMS lead to the tracking page or the survey."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import ShortLink


@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    path = ShortLink.objects.filter(code=code[:16]).values_list("path", flat=True).first()
    if path is None or not path.startswith("/"):
        response = render(request, "tickets/progress/invalid.html", {"expired": False}, status=404)
    else:
        response = HttpResponseRedirect(path)
    # the target carries the customer's credential: keep it out of caches and referrers
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
