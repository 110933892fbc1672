"""Intake channel keys, verified once and then remembered by each web process.

An integration sends every report with the same key, and checking it cost a query and a hash on each
request. The outcome is kept with the reference data (``tickets.reference``) under the SHA-256 of the
key presented (never the key itself) and the keys' version in the shared cache: saving or deleting any
key row (revoking it, changing its expiry) writes a new version once the change commits, so every
process checks each key again on its next request. With the shared cache unreachable each process
falls back to its own memory, and a revocation reaches the other processes within
``REFERENCE_CACHE_SECONDS``. An expired key is refused whatever is remembered.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

from tickets.models import IntakeChannelKey
from tickets.reference import reference_get

VERSION_CACHE_KEY = "intake-channel-keys-version"


def channel_keys_changed(**_kwargs: Any) -> None:
    """A key row was saved or deleted: every process checks its keys again (after the commit too, or
    another process could read the old row again in between and keep it under the new version)."""
    def bump() -> None:
        cache.set(VERSION_CACHE_KEY, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def _load(key: str) -> IntakeChannelKey | None:
    try:
        return IntakeChannelKey.objects.get_from_key(key)
    except IntakeChannelKey.DoesNotExist:
        return None


def channel_key_verify(key: str) -> IntakeChannelKey | None:
    """The unrevoked, unexpired key row that ``key`` is, or None."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    row = reference_get("intake_channel_key", (digest, cache.get(VERSION_CACHE_KEY)), lambda: _load(key))
    return None if row is None or row.has_expired else row
