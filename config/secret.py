"""The local (``make run``) secret key: generated on first run into an untracked file, never in the code.

A shop that runs the product on its LAN gets its own key without configuring anything; a key written in
the settings would let anyone who read the source forge sessions, password-reset links and signed tokens.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def local_secret_key(path: Path) -> str:
    """The key stored in ``path``, created (mode 0600) with a fresh random key when missing.

    The web server and the worker start together on first run; ``O_EXCL`` lets exactly one of them
    create the file, and the other reads what the first wrote.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        # A creator that has not written yet (or crashed mid-write): the file is ours to fill.
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    os.chmod(path, 0o600)
    return key
