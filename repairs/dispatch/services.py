"""Writes of dispatch: choose and assign the technician, accept/decline, helpers, duty changes.

Every assignment row keeps the score breakdown that chose the technician. The ticket's own state
changes go through ``tickets.services`` (``ticket_assign``, ``ticket_transition(release)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.models import Technician
from tickets import policy
from tickets.exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from tickets.lifecycle import after_commit
from tickets.models import Ticket, TicketAssignment
from tickets.services import ticket_assign, ticket_event_add, ticket_transition

from ..scheduling.privacy import privacy_bind_enqueue
from ..scheduling.selectors import appointment_label
from ..scheduling.services import appointments_on_assign
from .board import dispatch_board, tried_technician_ids
from .selectors import (
    Candidate,
    assignment_explain,
    dispatch_candidates,
    dispatch_eliminations,
    eliminations_summary,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ASSIGNABLE_STATES = (Ticket.Status.TRIAGED, Ticket.Status.REOPENED, Ticket.Status.ASSIGNED)


def _require_dispatcher(by: AbstractBaseUser | None, ticket: Ticket, technician: Technician | None = None) -> None:
    policy.require(by, "tickets.assign_ticket", ticket, message=_("您没有派工权限。"))
    if technician is not None and by is not None and not policy.in_scope(by, technician):
        raise PermissionDeniedError(_("只能派给本网点的工程师。"))


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("customer", "fault_category", "product_model",
                                                              "service_center").get(pk=ticket.pk)


def _end_active_lead(ticket: Ticket, *, status: str, reason: str) -> None:
    TicketAssignment.objects.filter(ticket=ticket, role=TicketAssignment.Role.LEAD,
                                    status__in=TicketAssignment.ACTIVE_STATUSES).update(
        status=status, ended_at=timezone.now(), reason=reason[:300])


@transaction.atomic
def dispatch_to(*, ticket: Ticket, technician: Technician, by: AbstractBaseUser | None,
                candidate: Candidate | None = None, auto: bool = False, reason: str = "") -> TicketAssignment:
    """Make ``technician`` the ticket's lead: end the previous active lead assignment, write the new
    one with the score breakdown (the auto-dispatch's own scoring), and assign the ticket
    (``ticket_assign``, which writes the customer-visible event).

    A dispatcher may choose someone off the candidate list (not qualified, over capacity, declined
    before, of another centre in their scope) only with a typed ``reason``: it is kept on the
    assignment and written to the timeline as ``dispatch.override`` with the criterion that was
    overridden. Choosing the technician who already leads the ticket returns their assignment
    unchanged (a retried click assigns once). Raises InvalidTransition, ValidationFailed (off duty,
    off the list without a reason; for the system, at capacity) or PermissionDeniedError; nothing
    changes then."""
    _require_dispatcher(by, ticket, technician)
    ticket = _lock_ticket(ticket)
    if ticket.status not in ASSIGNABLE_STATES:
        raise InvalidTransition(_("工单 %(number)s 当前为“%(state)s”，不能派工。") % {
            "number": ticket.number, "state": ticket.get_status_display()})
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if not technician.on_duty:
        raise ValidationFailed(_("工程师 %(name)s 当前不在岗。") % {"name": technician.name})
    current = TicketAssignment.objects.filter(ticket=ticket, role=TicketAssignment.Role.LEAD, technician=technician,
                                              status__in=TicketAssignment.ACTIVE_STATUSES).first()
    if current is not None:
        return current
    reason = (reason or "").strip()
    override = None
    if candidate is None:
        row = dispatch_board(ticket=ticket, technicians=Technician.objects.filter(pk=technician.pk)).rows[0]
        candidate = row.candidate
        if row.miss is not None and by is None:
            # the system (imports, re-dispatch) never overloads anyone
            if row.over_capacity:
                raise ValidationFailed(_("工程师 %(name)s 已达同时处理上限（%(cap)d）。") % {
                    "name": technician.name, "cap": technician.capacity})
        elif row.miss is not None:
            if not reason:
                raise ValidationFailed(
                    _("%(name)s 不在候选名单中（%(why)s）。派给名单外的工程师须填写原因。") % {
                        "name": technician.name, "why": row.miss_label}, extra={"criterion": row.miss})
            override = {"override": True, "miss": row.miss, "miss_label": row.miss_label, "reason": reason[:300]}
    _end_active_lead(ticket, status=TicketAssignment.Status.RELEASED, reason=_("改派"))
    breakdown = {**candidate.breakdown, **(override or {})}
    assignment = TicketAssignment.objects.create(
        ticket=ticket, technician=technician, role=TicketAssignment.Role.LEAD, score=candidate.score,
        breakdown=breakdown, auto=auto, reason=reason[:300] or (_("自动派工") if auto else _("人工派工")),
        created_by=by if getattr(by, "pk", None) else None,
    )
    if override is not None:
        ticket_event_add(ticket=ticket, kind="dispatch.override", by=by,
                         message=_("名单外派给 %(name)s（%(why)s），原因：%(reason)s") % {
                             "name": technician.name, "why": override["miss_label"], "reason": override["reason"]},
                         payload={"assignment_id": assignment.pk, "technician_id": technician.pk,
                                  "criterion": override["miss"], "reason": override["reason"],
                                  "score": candidate.score})
    ticket_assign(ticket=ticket, technician=technician, by=by,
                  payload={"assignment_id": assignment.pk, "score": assignment.score, "auto": auto,
                           "why": assignment_explain(assignment.breakdown),
                           # the customer's "engineer assigned" message carries the agreed window
                           "appointment": appointment_label(ticket)})
    after_commit(appointments_on_assign, ticket_id=ticket.pk, technician_id=technician.pk)
    after_commit(privacy_bind_enqueue, ticket.pk, technician.pk)
    from tickets.outbox.services import outbox_notify_staff

    outbox_notify_staff(event="dispatch.offered", users=[technician.user], ticket=ticket, context={},
                        idempotency_key=f"dispatch.offered:{assignment.pk}")
    return assignment


@transaction.atomic
def dispatch_escalate(*, ticket: Ticket, reason: str, by: AbstractBaseUser | None = None) -> Ticket:
    """No technician can take the ticket: tell the center managers (outbox + timeline event) and put
    an assigned ticket back into the dispatcher queue (``release``)."""
    from tickets.outbox.services import outbox_notify_staff

    ticket = _lock_ticket(ticket)
    center = ticket.service_center
    users = list(center.managers.filter(is_active=True)) if center else []
    if not users:
        users = list(get_user_model().objects.filter(groups__name="调度", is_active=True))
    _end_active_lead(ticket, status=TicketAssignment.Status.RELEASED, reason=reason)
    if ticket.status == Ticket.Status.ASSIGNED:
        ticket = ticket_transition(ticket=ticket, transition="release", by=None,
                                   message=_("无可派工程师，退回派工队列：%(reason)s") % {"reason": reason})
    event = ticket_event_add(ticket=ticket, kind="dispatch.escalated", by=by,
                             message=_("无可派工程师（%(reason)s），已通知网点经理") % {"reason": reason},
                             payload={"reason": reason, "users": [u.pk for u in users]})
    outbox_notify_staff(event="dispatch.escalation", users=users, ticket=ticket, context={"reason": reason},
                        idempotency_key=f"dispatch.escalation:{event.pk}")
    return ticket


@transaction.atomic
def dispatch_auto(*, ticket: Ticket, by: AbstractBaseUser | None = None,
                  reason: str = "") -> TicketAssignment | None:
    """Assign the best-scoring candidate (never one who declined or was released from this ticket).
    Without any candidate the ticket is escalated (``dispatch_escalate``) and None is returned."""
    _require_dispatcher(by, ticket)
    ticket = _lock_ticket(ticket)
    if ticket.status not in ASSIGNABLE_STATES:
        raise InvalidTransition(_("工单 %(number)s 当前为“%(state)s”，不能派工。") % {
            "number": ticket.number, "state": ticket.get_status_display()})
    exclude = tried_technician_ids(ticket)
    current = TicketAssignment.objects.filter(ticket=ticket, role=TicketAssignment.Role.LEAD,
                                              status__in=TicketAssignment.ACTIVE_STATUSES).first()
    if current is not None:
        exclude.add(current.technician_id)
    candidates = dispatch_candidates(ticket=ticket, exclude_ids=exclude, limit=1)
    if not candidates:
        dispatch_escalate(ticket=ticket, reason=reason or eliminations_summary(
            dispatch_eliminations(ticket=ticket, exclude_ids=exclude)), by=by)
        return None
    best = candidates[0]
    technician = Technician.objects.get(pk=best.technician_id)
    return dispatch_to(ticket=ticket, technician=technician, by=by, candidate=best, auto=True,
                       reason=reason or _("自动派工：得分最高"))


def _check_own(assignment: TicketAssignment, by: AbstractBaseUser | None) -> None:
    # An offer is answered by the technician it was made to, or by a dispatcher of the ticket's centre.
    if by is None or policy.can(by, "tickets.assign_ticket", assignment.ticket):
        return
    if getattr(assignment.technician, "user_id", None) != by.pk:
        raise PermissionDeniedError(_("只能处理派给自己的工单。"))


@transaction.atomic
def assignment_accept(*, assignment: TicketAssignment, by: AbstractBaseUser | None) -> TicketAssignment:
    """The technician takes the job. Raises ConflictError-like InvalidTransition if it is no longer
    offered, PermissionDeniedError for someone else's assignment."""
    assignment = TicketAssignment.objects.select_for_update().select_related("technician", "ticket").get(
        pk=assignment.pk)
    _check_own(assignment, by)
    if assignment.status != TicketAssignment.Status.OFFERED:
        raise InvalidTransition(_("该派工当前为“%(state)s”，不能接单。") % {"state": assignment.get_status_display()})
    assignment.status, assignment.decided_at = TicketAssignment.Status.ACCEPTED, timezone.now()
    assignment.save(update_fields=["status", "decided_at"])
    ticket_event_add(ticket=assignment.ticket, kind="dispatch.accepted", by=by,
                     message=_("工程师 %(name)s 已接单") % {"name": assignment.technician.name},
                     payload={"assignment_id": assignment.pk})
    return assignment


@transaction.atomic
def assignment_decline(*, assignment: TicketAssignment, by: AbstractBaseUser | None,
                       reason: str) -> TicketAssignment:
    """The technician declines with a reason; a lead assignment is re-dispatched to the next candidate
    (or escalated and released to the queue when there is none). Raises ValidationFailed without a
    reason, InvalidTransition when the assignment is no longer active."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写拒单原因。"))
    assignment = TicketAssignment.objects.select_for_update().select_related("technician", "ticket").get(
        pk=assignment.pk)
    _check_own(assignment, by)
    if not assignment.is_active:
        raise InvalidTransition(_("该派工当前为“%(state)s”，不能拒单。") % {"state": assignment.get_status_display()})
    now = timezone.now()
    assignment.status, assignment.decided_at, assignment.ended_at = TicketAssignment.Status.DECLINED, now, now
    assignment.reason = reason[:300]
    assignment.save(update_fields=["status", "decided_at", "ended_at", "reason"])
    ticket = assignment.ticket
    ticket_event_add(ticket=ticket, kind="dispatch.declined", by=by,
                     message=_("工程师 %(name)s 拒单：%(reason)s") % {"name": assignment.technician.name,
                                                                  "reason": reason},
                     payload={"assignment_id": assignment.pk, "reason": reason})
    if assignment.role == TicketAssignment.Role.LEAD and ticket.status in ASSIGNABLE_STATES:
        dispatch_auto(ticket=ticket, by=None, reason=_("%(name)s 拒单后改派") % {"name": assignment.technician.name})
    return assignment


@transaction.atomic
def assignment_add_helper(*, ticket: Ticket, technician: Technician,
                          by: AbstractBaseUser | None) -> TicketAssignment:
    """Team dispatch: a helper beside the lead. Raises ValidationFailed when the technician is off
    duty, already on the ticket, or the ticket has no lead yet."""
    _require_dispatcher(by, ticket, technician)
    ticket = _lock_ticket(ticket)
    if ticket.technician_id is None or ticket.status in Ticket.CLOSED_STATES:
        raise ValidationFailed(_("请先为工单派主修工程师。"))
    if not technician.on_duty:
        raise ValidationFailed(_("工程师 %(name)s 当前不在岗。") % {"name": technician.name})
    if ticket.technician_id == technician.pk or TicketAssignment.objects.filter(
            ticket=ticket, technician=technician, status__in=TicketAssignment.ACTIVE_STATUSES).exists():
        raise ValidationFailed(_("工程师 %(name)s 已在该工单上。") % {"name": technician.name})
    assignment = TicketAssignment.objects.create(
        ticket=ticket, technician=technician, role=TicketAssignment.Role.HELPER,
        status=TicketAssignment.Status.ACCEPTED, reason=_("协助"),
        created_by=by if getattr(by, "pk", None) else None)
    ticket_event_add(ticket=ticket, kind="dispatch.helper_added", by=by,
                     message=_("工程师 %(name)s 协助处理") % {"name": technician.name},
                     payload={"assignment_id": assignment.pk, "technician_id": technician.pk})
    return assignment


def _technician_account(technician: Technician):
    """The login of a technician added without one: their employee number as user name, no usable
    password (an administrator sets one or sends an invitation); an existing user of that name who is
    nobody's technician yet is linked instead."""
    users = get_user_model()
    user = users.objects.filter(username=technician.employee_no).first()
    if user is not None:
        if Technician.objects.filter(user=user).exists():
            raise ValidationFailed(_("用户名 %(name)s 已属于另一位工程师。") % {"name": technician.employee_no})
        return user
    return users.objects.create_user(username=technician.employee_no, password=None,
                                     first_name=technician.name[:150])


@transaction.atomic
def technician_save(*, technician: Technician, by: AbstractBaseUser | None, on_duty: bool | None = None) -> Technician:
    """Create or update a technician's profile (centre, skills, level, capacity). A change of duty goes
    through ``technician_set_duty`` (going off duty re-dispatches their waiting tickets). Raises
    PermissionDeniedError (a manager may change only their centre's technicians) or ValidationFailed."""
    from django.core.exceptions import ValidationError

    if technician.pk:
        stored = Technician.objects.get(pk=technician.pk)
        policy.require(by, "repairs.change_technician", stored,
                       message=_("您没有修改该工程师的权限。"))
    else:
        policy.require(by, "repairs.add_technician", message=_("您没有新增工程师的权限。"))
        if on_duty is not None:
            technician.on_duty = on_duty
        if technician.user_id is None:
            technician.user = _technician_account(technician)
    if by is not None and technician.center_id and not policy.in_scope(by, technician.center):
        raise PermissionDeniedError(_("只能把工程师安排到本网点。"))
    try:
        technician.full_clean(exclude=["user", "on_duty"])
    except ValidationError as exc:
        raise ValidationFailed(_("工程师资料有误。"), extra={"fields": exc.message_dict}) from None
    if technician.pk:
        fields = ["center", "employee_no", "name", "phone", "skills", "product_categories", "level", "capacity",
                  "is_qc_inspector", "updated_at"]
        technician.save(update_fields=fields)
        if on_duty is not None:
            technician_set_duty(technician=technician, on_duty=on_duty, by=by)
            technician.on_duty = on_duty
    else:
        technician.save()
    return technician


@transaction.atomic
def technician_set_duty(*, technician: Technician, on_duty: bool, by: AbstractBaseUser | None) -> Technician:
    """Put a technician on or off duty. Going off duty re-dispatches every ticket still waiting for
    them (lead assignment on an ``assigned`` ticket) to the next candidate, and ends their helper
    roles; work already started stays with them."""
    if by is not None and getattr(technician, "user_id", None) != by.pk:
        policy.require(by, "repairs.change_technician", technician,
                       message=_("您没有修改工程师在岗状态的权限。"))
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.on_duty == on_duty:
        return technician
    Technician.objects.filter(pk=technician.pk).update(on_duty=on_duty, updated_at=timezone.now())
    technician.on_duty = on_duty
    if on_duty:
        return technician
    active = list(TicketAssignment.objects.select_related("ticket").filter(
        technician=technician, status__in=TicketAssignment.ACTIVE_STATUSES))
    for assignment in active:
        ticket = assignment.ticket
        if assignment.role == TicketAssignment.Role.HELPER:
            TicketAssignment.objects.filter(pk=assignment.pk).update(
                status=TicketAssignment.Status.RELEASED, ended_at=timezone.now(), reason=_("工程师离岗"))
            continue
        if ticket.status != Ticket.Status.ASSIGNED:
            continue
        TicketAssignment.objects.filter(pk=assignment.pk).update(
            status=TicketAssignment.Status.RELEASED, ended_at=timezone.now(), reason=_("工程师离岗"))
        ticket_event_add(ticket=ticket, kind="dispatch.off_duty", by=by,
                         message=_("工程师 %(name)s 离岗，重新派工") % {"name": technician.name},
                         payload={"assignment_id": assignment.pk})
        dispatch_auto(ticket=ticket, by=None, reason=_("%(name)s 离岗后改派") % {"name": technician.name})
    return technician


@transaction.atomic
def assignments_finish(*, ticket_id: int, status: str = TicketAssignment.Status.DONE) -> int:
    """End the active assignments of a ticket that left the technicians' hands (resolved, closed,
    cancelled), freeing their capacity. Returns how many ended."""
    return TicketAssignment.objects.filter(ticket_id=ticket_id, status__in=TicketAssignment.ACTIVE_STATUSES).update(
        status=status, ended_at=timezone.now())


def dispatch_should_auto(*, ticket: Ticket, actor_id: Any) -> bool:
    """Auto-dispatch after a confident triage: a person triaged it, or the classifier's confidence
    reaches TRIAGE_MIN_CONFIDENCE (setting DISPATCH_AUTO=False turns auto-dispatch off)."""
    from django.conf import settings

    if not getattr(settings, "DISPATCH_AUTO", True):
        return False
    if actor_id is not None:
        return True
    threshold = settings.TRIAGE_MIN_CONFIDENCE
    return ticket.prediction_confidence is not None and ticket.prediction_confidence >= threshold
