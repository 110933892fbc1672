"""django-q2 entry points of surveys. Tasks take ids and tolerate missing rows."""

from __future__ import annotations

from . import services


def ticket_resolved_task(ticket_id: int) -> int | None:
    """A ticket was resolved: its survey invitation and automatic closing (nothing if it moved on)."""
    invitation = services.ticket_resolved_handle(ticket_id=ticket_id)
    return invitation.pk if invitation is not None else None


def complaint_follow_up_task(ticket_id: int) -> int | None:
    """A ticket was categorized as a service complaint: open its follow-up (once)."""
    follow_up = services.follow_up_open_for_complaint(ticket_id=ticket_id)
    return follow_up.pk if follow_up is not None else None


def ticket_autoclose_cancel_task(ticket_id: int) -> None:
    services.ticket_autoclose_cancel(ticket_id=ticket_id)


def invitation_remind_task(invitation_id: int) -> bool:
    return services.invitation_remind(invitation_id=invitation_id)


def invitation_expire_task(invitation_id: int) -> bool:
    return services.invitation_expire(invitation_id=invitation_id)


def ticket_autoclose_task(ticket_id: int) -> bool:
    return services.ticket_autoclose(ticket_id=ticket_id) is not None


def surveys_sweep_task() -> dict:
    """Hourly backup of the per-row schedules: expire late invitations, auto-close due tickets."""
    return {"expired": services.invitations_expire_due(), "closed": services.tickets_autoclose_due()}
