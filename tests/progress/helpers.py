"""Helpers shared by the progress tests and the browser tests: drive a ticket with the real services."""

from __future__ import annotations

from tickets import services


def advance(ticket, *steps, technician=None):
    """Move a ticket through the FSM with the real services (system actor)."""
    for step in steps:
        ticket.refresh_from_db()
        if step == "triage":
            services.ticket_triage(ticket=ticket, by=None)
        elif step == "assign":
            services.ticket_assign(ticket=ticket, technician=technician, by=None)
        elif step == "resolve":
            services.ticket_resolve(ticket=ticket, by=None, resolution="已更换屏幕")
        else:
            services.ticket_transition(ticket=ticket, transition=step, by=None)
    ticket.refresh_from_db()
    return ticket


def assign_to(ticket, technician):
    """Bring a fresh ticket to "assigned" to ``technician``, whatever receivers of ticket_created
    (auto-triage, auto-dispatch) already did with it."""
    ticket.refresh_from_db()
    if ticket.status == "new":
        services.ticket_triage(ticket=ticket, by=None)
        ticket.refresh_from_db()
    if ticket.technician_id != technician.pk:
        services.ticket_assign(ticket=ticket, technician=technician, by=None)
    ticket.refresh_from_db()
    return ticket


def png_signature(*, strokes: int = 4, size=(600, 180)) -> str:
    """A data URL like the one the signature pad posts."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    for n in range(strokes):
        draw.line([(20 + n * 120, 140), (80 + n * 120, 30), (130 + n * 120, 120)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def send_quote(ticket, *, lines=None):
    """Open a repair order, diagnose and send a quote through the repairs services (system actor)."""
    from decimal import Decimal

    from repairs.services import quote_create, quote_send, repair_diagnose, repair_order_open

    ticket.refresh_from_db()
    order = repair_order_open(ticket=ticket, by=None)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", by=None)
    lines = lines or [
        {"kind": "labor", "description": "更换屏幕工时", "unit_price": Decimal("80"), "chargeable": True},
        {"kind": "service", "description": "清洁保养", "unit_price": Decimal("30"), "chargeable": True},
    ]
    quote = quote_create(repair_order=order, lines=lines, by=None)
    return quote_send(quote=quote, by=None)
