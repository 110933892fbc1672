"""Absolute links for messages, reports and webhooks: one place that knows the site's address."""

from __future__ import annotations

import hashlib
import hmac
from email.utils import parseaddr

from django.conf import settings

# A wildcard bind is reachable on the loopback address; a link cannot point at "0.0.0.0".
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def site_base() -> str:
    """SITE_URL without a trailing slash; when unset, the address the web process really serves."""
    configured = (getattr(settings, "SITE_URL", "") or "").strip()
    if configured:
        return configured.rstrip("/")
    host = str(getattr(settings, "BIND_HOST", "127.0.0.1") or "").strip()
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address needs brackets in a URL
    port = int(getattr(settings, "PORT", 8000) or 8000)
    return f"http://{host}:{port}"


def site_url(path: str = "") -> str:
    """The absolute URL of ``path`` (e.g. ``ticket.get_tracking_url()``) on this site."""
    if not path:
        return site_base() + "/"
    if path.startswith(("http://", "https://")):
        return path
    return site_base() + ("" if path.startswith("/") else "/") + path


def ticket_reply_token(ticket) -> str:
    """The ticket's secret reply token: proof that a reply e-mail answers a message we sent about this
    ticket, whoever's address it comes from. Derived from the server's secret and the ticket's own
    tracking token, so it is never stored and a ticket number alone cannot forge it."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"reply:{ticket.pk}:{ticket.tracking_token}".encode(),
                   hashlib.sha256)
    return mac.hexdigest()[:16]


def ticket_reply_address(ticket) -> str:
    """``service+r<token>@domain``: the Reply-To of the e-mails we send about a ticket."""
    mailboxes = getattr(settings, "INTAKE_MAILBOXES", None) or [parseaddr(settings.DEFAULT_FROM_EMAIL)[1]]
    local, _at, domain = mailboxes[0].partition("@")
    return f"{local}+r{ticket_reply_token(ticket)}@{domain}"
