"""The mail-in panel of the customer's progress page (one context function, one include template:
``logistics/_progress.html``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .models import Shipment
from .services import BOOKABLE, WINDOW, freight_payer_for, pickup_windows

if TYPE_CHECKING:
    from tickets.models import Ticket


def shipment_panel(*, ticket: Ticket) -> dict[str, Any] | None:
    """Booking the pickup, then each shipment with its latest tracking, and the return choice."""
    if ticket.service_mode != "mail_in":
        return None
    shipments = list(Shipment.objects.filter(ticket_id=ticket.pk).exclude(status=Shipment.Status.CANCELLED)
                     .prefetch_related("events").order_by("created_at"))
    inbound = next((s for s in shipments if s.direction == Shipment.Direction.INBOUND), None)
    back = next((s for s in shipments if s.direction == Shipment.Direction.RETURN), None)
    panel: dict[str, Any] = {"shipments": [], "windows": [], "inbound": inbound, "can_choose_return": False}
    if inbound is None and ticket.status in BOOKABLE and ticket.service_center_id:
        payer, basis = freight_payer_for(ticket=ticket, direction=Shipment.Direction.INBOUND)
        panel["windows"] = [{"value": w.isoformat(), "label": f"{timezone.localtime(w):%m-%d %H:%M}–"
                             f"{timezone.localtime(w + WINDOW):%H:%M}"} for w in pickup_windows()]
        panel["freight"] = f"{Shipment.Payer(payer).label}（{basis}）"
    for shipment in shipments:
        events = sorted(shipment.events.all(), key=lambda e: e.occurred_at, reverse=True)[:8]
        panel["shipments"].append({"obj": shipment, "events": events})
    panel["can_choose_return"] = inbound is not None and back is None
    panel["return_choices"] = Shipment.ReturnChoice.choices
    return panel
