"""django-q2 entry points of surveys. Tasks take ids and tolerate missing rows (STYLE R8)."""

from __future__ import annotations

from . import services


def invitation_remind_task(invitation_id: int) -> bool:
    return services.invitation_remind(invitation_id=invitation_id)


def invitation_expire_task(invitation_id: int) -> bool:
    return services.invitation_expire(invitation_id=invitation_id)


def ticket_autoclose_task(ticket_id: int) -> bool:
    return services.ticket_autoclose(ticket_id=ticket_id) is not None


def surveys_sweep_task() -> dict:
    """Hourly backup of the per-row schedules: expire late invitations, auto-close due tickets."""
    return {"expired": services.invitations_expire_due(), "closed": services.tickets_autoclose_due()}
