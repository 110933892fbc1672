"""Closing a technician's live job sockets when their API tokens are revoked.

A socket authenticates once, with the token in its URL; a lost phone's sockets must not keep
streaming customers' data after the technician logs out everywhere. Every socket joins its user's
group; revoking tokens tells that group which token died (or that all did) after the commit.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_sockets_group(user_id: int) -> str:
    return f"apiuser.{user_id}"


def sockets_close_for_revoked(*, user_id: int, digest: str | None = None) -> None:
    """After the current transaction commits, close the user's sockets opened with the token ``digest``,
    or all of them when ``digest`` is None. A channel-layer failure is left to the per-message check."""

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(user_sockets_group(user_id), {"type": "auth.revoked", "digest": digest})

    transaction.on_commit(_send)
