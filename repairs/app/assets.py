"""The app's static files: what the first load fetches, what is fetched only when needed, and the
cache version the service worker uses (it changes whenever one of the files, or a translation of
the app's words, changes)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

#: Loaded by the shell on every start (the import graph of app.js plus the stylesheet).
FIRST_LOAD = (
    "technician/app.css",
    "technician/app.js",
    "technician/api.js",
    "technician/db.js",
    "technician/outbox.js",
    "technician/ui.js",
    "technician/screens.js",
    "technician/work.js",
    "technician/media.js",
)
#: Loaded only on a phone without BarcodeDetector, when the camera scans a part's label.
LAZY = ("technician/vendor/jsQR.js",)
ICONS = (
    "technician/icons/icon-192.png",
    "technician/icons/icon-512.png",
    "technician/icons/maskable-512.png",
    "technician/icons/apple-touch-180.png",
)


def asset_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(name)
    return Path(found)


def catalogue_files() -> list[Path]:
    """The compiled djangojs catalogues: a new translation is a new version of the app's words."""
    return sorted(p for folder in settings.LOCALE_PATHS for p in Path(folder).glob("*/LC_MESSAGES/djangojs.mo"))


@lru_cache(maxsize=1)
def _version(debug: bool) -> str:
    digest = hashlib.sha256()
    for name in (*FIRST_LOAD, *LAZY, *ICONS):
        digest.update(asset_path(name).read_bytes())
    for path in catalogue_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_version() -> str:
    """A content hash of every app file; in DEBUG recomputed on each request so edits show at once."""
    if settings.DEBUG:
        _version.cache_clear()
    return _version(settings.DEBUG)
