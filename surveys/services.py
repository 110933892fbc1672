"""Writes of surveys: invitations (create, send, remind, expire), answers, follow-ups (回访), training
alerts, and the automatic closing of resolved tickets."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from tickets import policy
from tickets.exceptions import (
    ConflictError,
    DomainError,
    InvalidTransition,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from tickets.lifecycle import after_commit
from tickets.links import site_url
from tickets.models import OneTimeCode, Ticket
from tickets.otp import otp_consume

from . import conf
from .complaints import detect_complaint
from .models import QUESTION_KEYS, FollowUp, Invitation, Response, Survey, TechnicianAlert

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger("surveys")
SIGNING_SALT = "surveys.invitation"
SCORE_KEYS = ("speed", "attitude", "result")


class SurveyExpired(DomainError):
    code = "survey_expired"
    status_code = 410


class SurveyAlreadyAnswered(DomainError):
    code = "survey_answered"
    status_code = 409


# ---------------------------------------------------------------------------------------------
# Survey templates
# ---------------------------------------------------------------------------------------------

def survey_questions_validate(questions: Any) -> list[dict]:
    """Check a survey's question list: known keys only (speed, attitude, result, nps, comment), each
    at most once, at least one. Returns the normalized list; raises ValidationFailed."""
    if not isinstance(questions, list) or not questions:
        raise ValidationFailed(_("问卷至少需要一个问题。"))
    seen = set()
    normalized = []
    for item in questions:
        key = item.get("key") if isinstance(item, dict) else None
        if key not in QUESTION_KEYS:
            raise ValidationFailed(_("未知问题：%(key)s（可用：%(keys)s）") % {"key": key, "keys": "、".join(QUESTION_KEYS)})
        if key in seen:
            raise ValidationFailed(_("问题 %(key)s 重复。") % {"key": key})
        seen.add(key)
        kind = "nps" if key == "nps" else "text" if key == "comment" else "score"
        bounds = {"score": {"min": 1, "max": 5}, "nps": {"min": 0, "max": 10}, "text": {}}[kind]
        normalized.append({"key": key, "label": str(item.get("label") or key), "type": kind, **bounds,
                           "required": bool(item.get("required", kind != "text"))})
    return normalized


def survey_for_ticket(*, ticket: Ticket) -> Survey:
    """The active survey for the ticket's product line, else the default one; a standard survey is
    created the first time none exists."""
    category = ticket.product_model.category if ticket.product_model_id else None
    surveys = list(Survey.objects.filter(is_active=True).order_by("-is_default", "pk"))
    if category:
        for survey in surveys:
            if category in (survey.product_categories or []):
                return survey
    for survey in surveys:
        if not survey.product_categories:
            return survey
    if surveys:
        return surveys[0]
    return Survey.objects.create(name=_("标准满意度调查"), is_default=True)


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------

def invitation_signed_token(*, invitation: Invitation) -> str:
    """The link credential: the invitation's random token signed with SECRET_KEY (HMAC), so links
    cannot be guessed or forged; the same link serves invitation and reminder, and its validity
    ends at ``expires_at`` (SURVEY_EXPIRY_DAYS), checked on every use."""
    return signing.Signer(salt=SIGNING_SALT).sign(invitation.token)


def invitation_url(*, invitation: Invitation) -> str:
    return site_url(f"/s/{invitation_signed_token(invitation=invitation)}/")


def invitation_from_signed(*, value: str) -> Invitation:
    """The invitation a link points to. Raises NotFoundError for a forged or unknown token."""
    try:
        token = signing.Signer(salt=SIGNING_SALT).unsign(value)
    except signing.BadSignature:
        raise NotFoundError(_("调查链接无效。"))
    invitation = (Invitation.objects.select_related("survey", "ticket", "ticket__customer", "ticket__technician",
                                                    "ticket__product_model")
                  .filter(token=token).first())
    if invitation is None:
        raise NotFoundError(_("调查链接无效。"))
    return invitation


def _schedule_once(*, name: str, func: str, args: tuple, at: dt.datetime) -> None:
    """Create or move the one django-q2 schedule of this name (idempotent by name)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=name,
        defaults={"func": func, "args": repr(tuple(args)), "schedule_type": Schedule.ONCE, "next_run": at,
                  "repeats": -1},
    )


def _unschedule(*, name: str) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=name).delete()


def invitation_create(*, ticket: Ticket, survey: Survey | None = None) -> Invitation:
    """The ticket's one invitation, created when missing (idempotent and safe under concurrency),
    expiring ``SURVEY_EXPIRY_DAYS`` from now."""
    existing = Invitation.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                ticket=ticket, survey=survey or survey_for_ticket(ticket=ticket),
                expires_at=timezone.now() + conf.expiry(),
            )
    except IntegrityError:
        return Invitation.objects.get(ticket=ticket)


def invitation_send(*, invitation: Invitation) -> Invitation:
    """Send a pending invitation through the outbox (SMS / e-mail / WeChat, in the customer's
    language) and schedule its reminder and its expiry. A second call does nothing, so the
    customer never gets the invitation twice."""
    from tickets.outbox.services import outbox_collect_events
    from tickets.services import ticket_event_add

    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(of=("self",)).select_related("ticket__customer").get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            return invitation
        ticket = invitation.ticket
        invitation.send()
        invitation.save()
        # The invitation is the survey milestone: the event carries what its message and the live
        # page need, and the outbox writes the one message per channel in this transaction.
        ticket_event_add(ticket=ticket, kind="survey.sent", message=_("已发送满意度调查邀请"),
                         payload={"invitation_id": invitation.pk, "days": conf.expiry().days,
                                  "survey_path": f"/s/{invitation_signed_token(invitation=invitation)}/"})
        outbox_collect_events(ticket_id=ticket.pk)
        remind_at = invitation.sent_at + conf.reminder_delay()
        after_commit(_schedule_once, name=f"survey-reminder-{invitation.pk}",
                     func="surveys.tasks.invitation_remind_task", args=(invitation.pk,), at=remind_at)
        after_commit(_schedule_once, name=f"survey-expire-{invitation.pk}",
                     func="surveys.tasks.invitation_expire_task", args=(invitation.pk,), at=invitation.expires_at)
    return invitation


def invitation_remind(*, invitation_id: int, now: dt.datetime | None = None) -> bool:
    """Send the one reminder of an unanswered, unexpired invitation. Returns whether it was sent;
    ``reminded_at`` under a row lock makes a repeated or concurrent run a no-op."""
    from tickets.outbox.services import outbox_enqueue, short_url

    now = now or timezone.now()
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("ticket__customer")
                      .filter(pk=invitation_id).first())
        if (invitation is None or invitation.status != Invitation.Status.SENT or invitation.reminded_at
                or invitation.expires_at <= now):
            return False
        # the reminder is an SMS too: the short link keeps it to one segment
        path = f"/s/{invitation_signed_token(invitation=invitation)}/"
        outbox_enqueue(
            event="survey.reminder", customer=invitation.ticket.customer, ticket=invitation.ticket,
            context={"survey_url": short_url(path), "expires_at": invitation.expires_at},
            idempotency_key=f"survey-reminder:{invitation.pk}",
        )
        invitation.reminded_at = now
        invitation.save(update_fields=["reminded_at", "updated_at"])
    return True


def invitation_expire(*, invitation_id: int, now: dt.datetime | None = None) -> bool:
    """Mark an unanswered invitation expired once its time is over. Returns whether it changed."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.expires_at > now or not can_proceed(invitation.expire):
            return False
        invitation.expire()
        invitation.save()
    return True


def invitations_expire_due(*, now: dt.datetime | None = None) -> int:
    """Sweep: expire every pending/sent invitation past its time (backs up the per-invitation schedule)."""
    now = now or timezone.now()
    ids = list(Invitation.objects.filter(status__in=[Invitation.Status.PENDING, Invitation.Status.SENT],
                                         expires_at__lte=now).values_list("pk", flat=True)[:1000])
    return sum(invitation_expire(invitation_id=pk, now=now) for pk in ids)


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------

def _clean_answers(survey: Survey, answers: dict) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in survey_questions_validate(survey.questions):
        key = question["key"]
        raw = answers.get(key)
        if question["type"] == "text":
            cleaned[key] = str(raw or "").strip()[:2000]
            continue
        if raw in (None, ""):
            if question["required"]:
                errors[key] = [_("请为“%(label)s”打分。") % {"label": question["label"]}]
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not question["min"] <= value <= question["max"]:
            errors[key] = [_("“%(label)s”的分数应在 %(min)s–%(max)s 之间。") % {
                "label": question["label"], "min": question["min"], "max": question["max"]}]
            continue
        cleaned[key] = value
    if errors:
        raise ValidationFailed(_("请检查您的回答。"), extra={"fields": errors})
    return cleaned


def _is_low(survey: Survey, cleaned: dict[str, Any]) -> bool:
    scores = [cleaned[k] for k in SCORE_KEYS if cleaned.get(k) is not None]
    if any(s <= survey.low_score_threshold for s in scores):
        return True
    return cleaned.get("nps") is not None and cleaned["nps"] <= survey.low_nps_threshold


def response_submit(*, invitation: Invitation, answers: dict, otp_code: str | None = None,
                    by: AbstractBaseUser | None = None, now: dt.datetime | None = None) -> Response:
    """Record the customer's answers to their invitation.

    Guarantees: answers match the survey's questions and ranges; the invitation moves to answered
    under a row lock and the response is unique per invitation, so answering twice is impossible;
    scores are attributed to the ticket, technician, center, fault category and product model. A low
    score or a complaint recognised in the comment opens a follow-up (回访) with its SLA, and a
    technician's complaints are counted for the training alert. Raises ValidationFailed (bad
    answers), SurveyAlreadyAnswered, SurveyExpired (late; the invitation is marked expired).
    Proof of who answers: the customer (``by=None``) must bring the verified one-time SMS code sent to
    the ticket's phone (``otp_code``), used up in the same transaction, so whoever holds the link
    alone cannot answer in the customer's name; staff recording answers the customer gave them by
    phone (``by``) need the ``surveys.add_response`` permission on the ticket. Without either proof
    nothing is written (ValidationFailed / PermissionDeniedError).
    """
    now = now or timezone.now()
    from tickets.services import ticket_event_add

    expired = False
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",))
                      .select_related("survey", "ticket").get(pk=invitation.pk))
        if invitation.status == Invitation.Status.ANSWERED:
            raise SurveyAlreadyAnswered(_("您已提交过本次评价，感谢您的反馈。"))
        if invitation.status == Invitation.Status.EXPIRED or invitation.expires_at <= now:
            expired = True
        else:
            cleaned = _clean_answers(invitation.survey, answers)
            ticket = invitation.ticket
            if by is None:
                otp_consume(ticket=ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER, code=otp_code, now=now)
            else:
                policy.require(by, "surveys.add_response", ticket,
                               message=_("您没有代客户录入评价的权限。"))
            verdict = detect_complaint(cleaned.get("comment", ""))
            low = _is_low(invitation.survey, cleaned)
            try:
                invitation.answer()
                invitation.save()
            except ConcurrentTransition:
                raise SurveyAlreadyAnswered(_("您已提交过本次评价，感谢您的反馈。"))
            response = Response.objects.create(
                invitation=invitation, ticket=ticket, technician_id=ticket.technician_id,
                center_id=ticket.service_center_id, fault_category_id=ticket.fault_category_id,
                product_model_id=ticket.product_model_id,
                speed=cleaned.get("speed"), attitude=cleaned.get("attitude"), result=cleaned.get("result"),
                nps=cleaned.get("nps"), comment=cleaned.get("comment", ""), answers=cleaned,
                is_complaint=verdict.is_complaint, is_low_score=low, complaint_terms=verdict.terms,
            )
            ticket_event_add(
                ticket=ticket, kind="survey.answered",
                message=_("客户已提交满意度评价") + (_("（投诉）") if verdict.is_complaint else _("（低分）") if low else ""),
                payload={"response_id": response.pk, "nps": response.nps, "complaint": verdict.is_complaint},
            )
            if verdict.is_complaint or low:
                follow_up_open(response=response, now=now)
            if verdict.is_complaint and response.technician_id:
                technician_alert_check(technician_id=response.technician_id, now=now)
            after_commit(_unschedule, name=f"survey-reminder-{invitation.pk}")
            return response
    if expired:
        invitation_expire(invitation_id=invitation.pk, now=now)
    raise SurveyExpired(_("本次调查已于 %(date)s 截止，感谢您的关注。")
                        % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")})


# ---------------------------------------------------------------------------------------------
# Follow-ups (回访) and training alerts
# ---------------------------------------------------------------------------------------------

def follow_up_open(*, response: Response, now: dt.datetime | None = None) -> FollowUp:
    """Open the follow-up of a dissatisfied answer for the center manager, due within
    ``SURVEY_FOLLOW_UP_SLA_HOURS``; idempotent per response."""
    now = now or timezone.now()
    from tickets.services import ticket_event_add

    existing = FollowUp.objects.filter(response=response).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            response=response, ticket_id=response.ticket_id, center_id=response.center_id,
            technician_id=response.technician_id,
            reason=FollowUp.Reason.COMPLAINT if response.is_complaint else FollowUp.Reason.LOW_SCORE,
            due_at=now + conf.follow_up_sla(),
        )
        ticket_event_add(
            ticket=response.ticket, kind="survey.follow_up_opened",
            message=_("已安排回访（%(reason)s），截止 %(due)s") % {
                "reason": follow_up.get_reason_display(),
                "due": timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M")},
            payload={"follow_up_id": follow_up.pk},
        )
        _notify_managers(event="survey.follow_up", center_id=follow_up.center_id, ticket=response.ticket,
                         context={"follow_up": follow_up, "reason": follow_up.get_reason_display(),
                                  "comment": response.comment[:200], "due": follow_up.due_at},
                         key=f"survey.follow_up:{follow_up.pk}")
    return follow_up


def follow_up_open_for_complaint(*, ticket_id: int, now: dt.datetime | None = None) -> FollowUp | None:
    """Open the follow-up of a complaint the customer filed as a request (the ticket is categorized
    as a service complaint): the same 回访 flow and SLA as a complaint in a survey answer, owned by
    the ticket's centre managers. Idempotent per ticket; None when the ticket has gone."""
    from tickets.models import Ticket
    from tickets.services import ticket_event_add

    now = now or timezone.now()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    existing = FollowUp.objects.filter(ticket=ticket, reason=FollowUp.Reason.INTAKE_COMPLAINT).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            response=None, ticket=ticket, center_id=ticket.service_center_id, technician_id=ticket.technician_id,
            reason=FollowUp.Reason.INTAKE_COMPLAINT, due_at=now + conf.follow_up_sla(),
        )
        ticket_event_add(
            ticket=ticket, kind="survey.follow_up_opened",
            message=_("已安排回访（%(reason)s），截止 %(due)s") % {
                "reason": follow_up.get_reason_display(),
                "due": timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M")},
            payload={"follow_up_id": follow_up.pk},
        )
        _notify_managers(event="survey.follow_up", center_id=follow_up.center_id, ticket=ticket,
                         context={"follow_up": follow_up, "reason": follow_up.get_reason_display(),
                                  "comment": ticket.description[:200], "due": follow_up.due_at},
                         key=f"survey.follow_up:{follow_up.pk}")
    return follow_up


def _notify_managers(*, event: str, center_id: int | None, ticket: Ticket | None, context: dict, key: str) -> None:
    """E-mail the center's managers through the outbox (idempotent by ``key``)."""
    from repairs.models import ServiceCenter
    from tickets.outbox.services import outbox_notify_staff

    if center_id is None:
        return
    center = ServiceCenter.objects.filter(pk=center_id).prefetch_related("managers").first()
    users = [u for u in center.managers.all() if u.is_active] if center else []
    if users:
        outbox_notify_staff(event=event, users=users, ticket=ticket, context=context, idempotency_key=key)


def _check_follow_up_permission(*, follow_up: FollowUp, by: AbstractBaseUser) -> None:
    if not policy.can(by, "surveys.handle_followup"):
        raise PermissionDeniedError(_("您没有处理回访的权限。"))
    if not policy.in_scope(by, follow_up):
        raise PermissionDeniedError(_("只能处理本网点的回访。"))


def follow_up_contact(*, follow_up: FollowUp, by: AbstractBaseUser, note: str = "") -> FollowUp:
    """The manager reached the customer (the follow-up stays open until its outcome is recorded).
    Raises PermissionDeniedError, InvalidTransition, ConflictError."""
    _check_follow_up_permission(follow_up=follow_up, by=by)
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
            if not can_proceed(follow_up.contact):
                raise InvalidTransition(_("回访当前为“%(state)s”，不能标记为已联系。") % {
                    "state": follow_up.get_status_display()})
            follow_up.contact()
            follow_up.handled_by = by
            if note.strip():
                follow_up.note = note.strip()
            follow_up.save()
    except ConcurrentTransition:
        raise ConflictError()
    return follow_up


def follow_up_close(*, follow_up: FollowUp, by: AbstractBaseUser, outcome: str, note: str = "") -> FollowUp:
    """Record the outcome of the follow-up and close it; writes an internal timeline event on the
    ticket. Raises ValidationFailed (unknown outcome, or no note for an unresolved one),
    PermissionDeniedError, InvalidTransition."""
    from tickets.services import ticket_event_add

    _check_follow_up_permission(follow_up=follow_up, by=by)
    if outcome not in FollowUp.Outcome.values:
        raise ValidationFailed(_("请选择回访结果。"), extra={"fields": {"outcome": [_("请选择回访结果。")]}})
    note = (note or "").strip()
    if outcome in (FollowUp.Outcome.UNRESOLVED, FollowUp.Outcome.COMPENSATED) and not note:
        raise ValidationFailed(_("请填写回访记录。"), extra={"fields": {"note": [_("请填写回访记录。")]}})
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=follow_up.pk)
            if not can_proceed(follow_up.close):
                raise InvalidTransition(_("回访已完成。"))
            follow_up.close()
            follow_up.outcome = outcome
            follow_up.handled_by = by
            if note:
                follow_up.note = note
            follow_up.save()
            ticket_event_add(
                ticket=follow_up.ticket, kind="survey.follow_up_closed", by=by,
                message=_("回访完成：%(outcome)s。%(note)s") % {"outcome": follow_up.get_outcome_display(),
                                                          "note": note},
                payload={"follow_up_id": follow_up.pk, "outcome": outcome,
                         "overdue": follow_up.closed_at > follow_up.due_at},
            )
    except ConcurrentTransition:
        raise ConflictError()
    return follow_up


def technician_alert_check(*, technician_id: int, now: dt.datetime | None = None) -> TechnicianAlert | None:
    """Raise (or update) the technician's open training alert when their complaints within
    ``SURVEY_COMPLAINT_ALERT_DAYS`` reach ``SURVEY_COMPLAINT_ALERT_THRESHOLD``. At most one open
    alert per technician (a partial unique constraint)."""
    now = now or timezone.now()
    window = conf.alert_window()
    count = Response.objects.filter(technician_id=technician_id, is_complaint=True,
                                    created_at__gt=now - window).count()
    if count < conf.alert_threshold():
        return None
    with transaction.atomic():
        alert = (TechnicianAlert.objects.select_for_update()
                 .filter(technician_id=technician_id, status=TechnicianAlert.Status.OPEN).first())
        if alert is not None:
            if count > alert.complaint_count:
                alert.complaint_count = count
                alert.save(update_fields=["complaint_count", "updated_at"])
            return alert
        try:
            with transaction.atomic():
                alert = TechnicianAlert.objects.create(technician_id=technician_id, complaint_count=count,
                                                       window_days=window.days)
        except IntegrityError:
            return TechnicianAlert.objects.get(technician_id=technician_id, status=TechnicianAlert.Status.OPEN)
        technician = alert.technician
        _notify_managers(event="survey.training_alert", center_id=technician.center_id, ticket=None,
                         context={"technician": technician.name, "count": count, "days": window.days},
                         key=f"survey.training_alert:{alert.pk}")
        return alert


@transaction.atomic
def technician_alert_acknowledge(*, alert: TechnicianAlert, by: AbstractBaseUser, note: str = "") -> TechnicianAlert:
    """Training is arranged: close the alert. Raises PermissionDeniedError or InvalidTransition."""
    if not by.is_active or not by.has_perm("surveys.change_technicianalert"):
        raise PermissionDeniedError(_("您没有处理培训预警的权限。"))
    alert = TechnicianAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != TechnicianAlert.Status.OPEN:
        raise InvalidTransition(_("该预警已处理。"))
    alert.status = TechnicianAlert.Status.ACKNOWLEDGED
    alert.acknowledged_by = by
    alert.acknowledged_at = timezone.now()
    alert.note = (note or "").strip()[:200]
    alert.save()
    return alert


# ---------------------------------------------------------------------------------------------
# Ticket lifecycle hooks (called from receivers and django-q2 tasks)
# ---------------------------------------------------------------------------------------------

def ticket_resolved_handle(*, ticket_id: int) -> Invitation | None:
    """A ticket was resolved: create and send its survey invitation, and schedule its automatic
    closing ``TICKET_AUTO_CLOSE_DAYS`` later (moved if it is resolved again after a reopen)."""
    ticket = Ticket.objects.select_related("customer", "product_model").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.RESOLVED:
        return None
    resolved_at = ticket.resolved_at or timezone.now()
    _schedule_once(name=f"ticket-autoclose-{ticket.pk}", func="surveys.tasks.ticket_autoclose_task",
                   args=(ticket.pk,), at=resolved_at + conf.auto_close_after())
    invitation = invitation_create(ticket=ticket)
    return invitation_send(invitation=invitation)


def ticket_autoclose_cancel(*, ticket_id: int) -> None:
    """The ticket left ``resolved`` (reopened, closed by hand): drop its pending auto-close."""
    _unschedule(name=f"ticket-autoclose-{ticket_id}")


def ticket_autoclose(*, ticket_id: int, now: dt.datetime | None = None) -> Ticket | None:
    """Close a ticket that stayed resolved for ``TICKET_AUTO_CLOSE_DAYS`` (the customer did not
    reopen it). Returns the closed ticket, or None when it is not (yet) due."""
    from tickets.services import ticket_close

    now = now or timezone.now()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.RESOLVED or ticket.resolved_at is None:
        return None
    if ticket.resolved_at + conf.auto_close_after() > now:
        return None
    try:
        return ticket_close(ticket=ticket, by=None, message=_("解决后 %(days)s 天内未重开，工单自动关闭")
                            % {"days": conf.auto_close_after().days})
    except (InvalidTransition, ConflictError):
        logger.info("auto-close of ticket %s skipped: changed meanwhile", ticket_id)
        return None


def tickets_autoclose_due(*, now: dt.datetime | None = None) -> int:
    """Sweep backing up the per-ticket schedules: close every ticket resolved long enough ago."""
    now = now or timezone.now()
    ids = list(Ticket.objects.filter(status=Ticket.Status.RESOLVED,
                                     resolved_at__lte=now - conf.auto_close_after())
               .values_list("pk", flat=True)[:1000])
    return sum(1 for pk in ids if ticket_autoclose(ticket_id=pk, now=now) is not None)
