"""What every customer page of the workshop's features shares: the tracking token resolved into the
ticket (or the invalid-link page), and the headers that keep that credential private."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tickets.progress import selectors as progress


def private(response: HttpResponse) -> HttpResponse:
    # the token in the URL is a credential: no cross-site Referer, no caches, no search engines
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def with_ticket(view):
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        ticket = progress.ticket_get_by_token(token=token)
        expired = ticket is not None and progress.tracking_link_expired(ticket=ticket)
        if ticket is None or expired:
            return private(render(request, "tickets/progress/invalid.html",
                                  {"expired": expired, "days": progress.TRACKING_LINK_DAYS}, status=404))
        return private(view(request, ticket, *args, **kwargs))

    return wrapper
