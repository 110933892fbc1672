"""The hub's door to the one rule "which service centres serve this place".

The rule belongs to dispatch (``repairs.dispatch.selectors.centers_for_place``), next to the centres
it reads. Triage routes a ticket with the very same rule: ``repairs`` registers it here in its
``AppConfig.ready``, so the hub's services import nothing of ``repairs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class CenterMatch(Protocol):
    center: Any  # repairs.ServiceCenter
    distance_km: float | None
    covers: str


Finder = Callable[..., list[CenterMatch]]
_finder: list[Finder] = []


def register_centers_finder(finder: Finder) -> None:
    """Called once by the app that owns service centres."""
    _finder[:] = [finder]


def centers_for_place(*, codes: Iterable[str], latitude: Any, longitude: Any, product_category: str = "",
                      service_mode: str = "", anywhere: bool = False) -> list[CenterMatch]:
    """The centres serving a place (division codes and coordinate), nearest first."""
    if not _finder:
        raise ImproperlyConfigured("No service-centre finder registered (is 'repairs' installed?).")
    return _finder[0](codes=codes, latitude=latitude, longitude=longitude, product_category=product_category,
                      service_mode=service_mode, anywhere=anywhere)
