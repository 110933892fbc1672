"""A small Content-Security-Policy checker for rendered pages: which inline code would a browser block?"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

JS_TYPES = {"", "text/javascript", "module", "application/javascript"}


def parse_policy(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            policy[tokens[0].lower()] = tokens[1:]
    return policy


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []  # (attrs, body) of inline executable scripts
        self.script_srcs: list[str] = []
        self.handlers: list[tuple[str, str, str]] = []  # (tag, attribute, code)
        self.js_urls: list[str] = []
        self._in_script: dict | None = None
        self._body: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = {k: (v or "") for k, v in attrs}
        for name, value in attrs_d.items():
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.js_urls.append(value)
        if tag == "script":
            if "src" in attrs_d:
                self.script_srcs.append(attrs_d["src"])
            elif attrs_d.get("type", "").lower() in JS_TYPES:
                self._in_script = attrs_d
                self._body = []

    def handle_data(self, data):
        if self._in_script is not None:
            self._body.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._body)))
            self._in_script = None


def violations(html: str, header: str) -> list[str]:
    """What in ``html`` the policy ``header`` blocks (inline scripts, handlers, foreign script sources)."""
    policy = parse_policy(header)
    script_src = policy.get("script-src", policy.get("default-src", []))
    found: list[str] = []
    page = _InlineCode()
    page.feed(html)
    for attrs, body in page.scripts:
        nonce = attrs.get("nonce")
        if "'unsafe-inline'" in script_src:
            continue
        if (nonce and f"'nonce-{nonce}'" in script_src) or _sha256(body) in script_src:
            continue
        found.append(f"inline <script>: {body.strip()[:80]!r}")
    for tag, name, code in page.handlers:
        if "'unsafe-hashes'" in script_src and _sha256(code) in script_src:
            continue
        found.append(f"<{tag} {name}={code!r}>")
    found.extend(f"javascript: URL {u[:60]!r}" for u in page.js_urls)
    for src in page.script_srcs:
        same_origin = src.startswith("/") and not src.startswith("//")
        if not (same_origin and "'self'" in script_src):
            found.append(f"script from {src!r}")
    return found


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"=\s*[\"']\s*javascript:", re.I)
