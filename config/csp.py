"""Content-Security-Policy: one policy for every page, with no inline script anywhere.

The policy itself lives in settings (``CONTENT_SECURITY_POLICY``); this middleware is where an exception
for the admin would go: a third-party admin template's inline handler allowed by its exact text (by hash,
``'unsafe-hashes'`` + its SHA-256), which no injected script can match. None is needed today: the admin's
import and export pages are our own templates without inline script.
https://django-csp.readthedocs.io/en/latest/configuration.html
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from csp.middleware import CSPMiddleware, PolicyParts

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

# Inline event handlers shipped by third-party admin templates, allowed by their exact text.
ADMIN_INLINE_HANDLERS: tuple[str, ...] = ()


def source_hash(text: str) -> str:
    """The CSP source expression that allows exactly ``text`` as inline script."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


ADMIN_SCRIPT_UPDATE = {"script-src": ["'unsafe-hashes'", *(source_hash(h) for h in ADMIN_INLINE_HANDLERS)]}


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if ADMIN_INLINE_HANDLERS and request.path_info.startswith("/admin/"):
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", []), *ADMIN_SCRIPT_UPDATE["script-src"]]
            parts.update = update
        return parts
