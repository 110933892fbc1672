"""Reference data every intake reads and staff seldom change, kept by each process for a short while.

A new report names its product model by code and is classified into a fault category by code with
the active classifier: three lookups of rows that change a few times a year, on the path where a
customer waits for an answer (the integration's verified key is kept here too: tickets/intake/keys.py).
Each process keeps what it read for ``REFERENCE_CACHE_SECONDS``; an edit made in this process (the
admin's save, an import, a retrain) clears it at once, and the other processes see it within that
time. Instances are handed out as copies, so no caller can change
what another request reads.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[tuple[str, Any], tuple[float, Any]] = {}
#: What a process keeps at most; past it, what expired goes first, then everything.
MAX_ENTRIES = 10_000


def reference_get(kind: str, key: Any, load: Callable[[], T]) -> T:
    """What ``load()`` returned for (kind, key) within the last ``REFERENCE_CACHE_SECONDS``, else a
    fresh ``load()``; a model instance is returned as a copy."""
    now = time.monotonic()
    hit = _entries.get((kind, key))
    if hit is not None and now - hit[0] < settings.REFERENCE_CACHE_SECONDS:
        value = hit[1]
    else:
        value = load()
        with _lock:
            if len(_entries) >= MAX_ENTRIES:  # price ranges are kept per model, fault and day
                for stale in [k for k, (at, _v) in _entries.items() if now - at >= settings.REFERENCE_CACHE_SECONDS]:
                    del _entries[stale]
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
            _entries[(kind, key)] = (now, value)
    return copy.copy(value) if hasattr(value, "_meta") else value


def reference_forget(kind: str | None = None) -> None:
    """Drop what this process keeps (of one kind, or all)."""
    with _lock:
        for entry in [e for e in _entries if kind is None or e[0] == kind]:
            del _entries[entry]


def _forget_on_change(kind: str) -> Callable[..., None]:
    def forget(sender: Any, **kwargs: Any) -> None:
        from django.db import transaction

        reference_forget(kind)
        # A request of another thread may read the old row again before this change commits.
        transaction.on_commit(lambda: reference_forget(kind))

    return forget


def reference_watch(model: type, kind: str) -> None:
    """A save or a deletion of a ``model`` row in this process drops the kind it feeds."""
    receiver = _forget_on_change(kind)
    uid = f"tickets.reference:{kind}:{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)


def product_model_by_code(code: str):
    from .models import ProductModel

    return reference_get("product_model", code, lambda: ProductModel.objects.filter(code=code).first())


def fault_category_by_code(code: str):
    from .models import FaultCategory

    return reference_get("fault_category", code, lambda: FaultCategory.objects.filter(code=code).first())


def reference_connect() -> None:
    """Called once from ``TicketsConfig.ready``."""
    from .intake.keys import channel_keys_changed
    from .models import ClassifierModel, FaultCategory, IntakeChannelKey, ProductModel

    reference_watch(ProductModel, "product_model")
    reference_watch(FaultCategory, "fault_category")
    reference_watch(ClassifierModel, "classifier")
    reference_watch(IntakeChannelKey, "intake_channel_key")
    # Verified keys are remembered by every web process: a revocation must reach all of them.
    for signal in (post_save, post_delete):
        signal.connect(channel_keys_changed, sender=IntakeChannelKey, weak=False,
                       dispatch_uid=f"tickets.intake.keys:{signal is post_save}")
