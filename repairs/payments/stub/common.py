from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import requests

logger = logging.getLogger(__name__)


def deliver(url: str, *, headers: Mapping[str, str], body: bytes | str | dict) -> None:
    """Post a notification from a thread of its own, after the customer's page has answered, as a
    gateway does from its servers (a synchronous call back into a one-threaded server would wait on
    itself)."""
    def post() -> None:
        try:
            if isinstance(body, dict):
                requests.post(url, data=body, headers=dict(headers), timeout=10)
            else:
                requests.post(url, data=body, headers=dict(headers), timeout=10)
        except requests.RequestException as exc:
            logger.warning("stub gateway could not deliver a notification to %s: %s", url, exc)

    threading.Thread(target=post, name="stub-gateway-notify", daemon=True).start()
