"""Writes of the outbox: enqueue messages, deliver them at most once, and sweep what was missed.

Loss-free design: a message row is created either in the caller's transaction (``outbox_enqueue``)
or, for the customer milestones a ticket's events reach (``tickets.milestones``), by
``outbox_collect_events``, which runs in the lifecycle's transaction AND periodically from the sweep;
a milestone is written at most once per ticket and channel (unique constraint), in order.

At most once toward the customer: delivery claims a row with a conditional UPDATE (``sending`` with a
lease), then commits ``handed_over_at`` just before calling the gateway with the message's
idempotency key, then marks it sent. A worker killed anywhere in between leaves a ``sending`` row
whose lease expires; the next claim then knows whether the message may have left: if it was never
handed over it is sent; if it was, the gateway is asked by key (sent → marked sent, never received →
sent now), and a channel that cannot be asked is marked ``unknown`` and not resent.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from tickets import milestones
from tickets.links import site_url
from tickets.models import (
    Customer,
    DeliveryStatus,
    MessageChannel,
    OutboxMessage,
    ShortLink,
    Ticket,
    TicketEvent,
)

from .backends import DeliveryError, backend_for
from .templates import normalize_language, render, template_for

MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=5)
EVENT_LOOKBACK_DAYS = 7  # setting OUTBOX_EVENT_LOOKBACK_DAYS: how far back the sweep looks for events

logger = logging.getLogger("tickets.outbox")


def event_lookback() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "OUTBOX_EVENT_LOOKBACK_DAYS", EVENT_LOOKBACK_DAYS))


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, 4 min … capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _customer_addresses(customer: Customer) -> dict[str, str]:
    out = {}
    if customer.phone:
        out[MessageChannel.SMS] = customer.phone
    if customer.email:
        out[MessageChannel.EMAIL] = customer.email
    if customer.wechat_openid:
        out[MessageChannel.WECHAT] = customer.wechat_openid
    return out


def _base_context(ticket: Ticket | None, customer: Customer | None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"customer": customer, "ticket": ticket}
    if ticket is not None:
        ctx["tracking_url"] = site_url(ticket.get_tracking_url())
    return ctx


def _schedule_delivery(ids: list[int]) -> None:
    if ids:
        from tickets.lifecycle import after_commit

        after_commit(_deliver_async, list(ids))


#: Messages per delivery task when many are queued at once.
DELIVERY_BATCH = 25


def _deliver_async(ids: list[int]) -> None:
    """Queue the delivery of committed rows. Never raises: with the queue down (Redis) the rows stay
    due and the periodic sweep sends them, and an exception here would also stop the other
    after-commit callbacks of the same transaction."""
    from django_q.tasks import async_task

    from config.qbroker import enqueue_many

    if len(ids) > 1:
        # A sweep's messages, in one round trip to the queue and a task per batch: a signed task per
        # message cost the sweep more than its own statements; a batch of a few dozen still spreads
        # over the workers and a message waits for at most its batch's others.
        batches = [ids[i:i + DELIVERY_BATCH] for i in range(0, len(ids), DELIVERY_BATCH)]
        try:
            enqueue_many("tickets.outbox.tasks.outbox_deliver_many_task",
                         [((batch,), f"outbox-{batch[0]}-{batch[-1]}") for batch in batches])
        except Exception as exc:
            logger.warning("could not queue %d outbox messages (%s); the sweep will deliver them", len(ids), exc)
        return
    for message_id in ids:
        try:
            async_task("tickets.outbox.tasks.outbox_deliver_task", message_id, task_name=f"outbox-{message_id}")
        except Exception as exc:
            logger.warning("could not queue outbox %s (%s); the sweep will deliver it", message_id, exc)


def _insert_new_keys(rows: list[OutboxMessage]) -> tuple[set[str], list[OutboxMessage]]:
    """Insert the rows whose idempotency key is not written yet (a key a concurrent writer takes first
    is skipped by the database); return the keys that existed and the rows offered for insertion."""
    keys = [r.idempotency_key for r in rows]
    existing = set(OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    new = [r for r in rows if r.idempotency_key not in existing]
    if new:
        OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
    return existing, new


def _create_messages(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Insert rows whose key is new; return every row of those keys (old or new) and schedule delivery."""
    if not rows:
        return []
    keys = [r.idempotency_key for r in rows]
    existing, _new = _insert_new_keys(rows)
    messages = list(OutboxMessage.objects.filter(idempotency_key__in=keys).order_by("pk"))
    _schedule_delivery([m.pk for m in messages if m.idempotency_key not in existing])
    return messages


@transaction.atomic
def outbox_enqueue(
    *,
    event: str,
    customer: Customer,
    ticket: Ticket | None = None,
    context: dict,
    channels: list[str] | None = None,
    idempotency_key: str | None = None,
    ticket_event: TicketEvent | None = None,
) -> list[OutboxMessage]:
    """Render ``event``'s templates in the customer's language and write one message per channel.

    ``channels`` defaults to every channel the customer can be reached on (SMS by phone, e-mail,
    WeChat by OpenID); a channel without an address is skipped. Rows are written in the caller's
    transaction and delivered by django-q2 after commit. With ``idempotency_key`` a repeated call
    creates nothing new and returns the existing rows.
    """
    addresses = _customer_addresses(customer)
    wanted = [c for c in (channels or list(addresses)) if c in addresses]
    language = normalize_language(customer.preferred_language)
    base = idempotency_key or f"{event}:{uuid.uuid4().hex}"
    ctx = {**_base_context(ticket, customer), **context}
    rows = []
    with translation.override(language):
        for channel in wanted:
            subject, body = render(template_for(event, channel, language), ctx)
            rows.append(OutboxMessage(
                idempotency_key=f"{base}:{channel}"[:120], event=event, channel=channel, ticket=ticket,
                ticket_event=ticket_event, customer=customer, to_address=addresses[channel], language=language,
                subject=subject[:200], body=body,
            ))
    return _create_messages(rows)


@transaction.atomic
def outbox_enqueue_sms(*, event: str, phone: str, context: dict, idempotency_key: str,
                       language: str = "zh-hans") -> list[OutboxMessage]:
    """One SMS to a bare phone number that belongs to no customer or ticket yet (the code proving the
    phone typed on the repair form). Idempotent by ``idempotency_key``."""
    language = normalize_language(language)
    with translation.override(language):
        subject, body = render(template_for(event, MessageChannel.SMS, language), context)
    return _create_messages([OutboxMessage(
        idempotency_key=f"{idempotency_key}:{MessageChannel.SMS}"[:120], event=event, channel=MessageChannel.SMS,
        to_address=phone, language=language, subject=subject[:200], body=body)])


@transaction.atomic
def outbox_notify_staff(
    *, event: str, users: list, ticket: Ticket | None = None, context: dict, idempotency_key: str,
) -> list[OutboxMessage]:
    """Messages to staff (assignee, center managers): e-mail where the user has one, and SMS to a
    technician's phone. Idempotent by ``idempotency_key`` per user and channel."""
    return _create_messages(outbox_staff_rows(event=event, users=users, ticket=ticket, context=context,
                                              idempotency_key=idempotency_key))


def outbox_staff_rows(
    *, event: str, users: list, ticket: Ticket | None = None, context: dict, idempotency_key: str,
    templates: dict | None = None,
) -> list[OutboxMessage]:
    """The unsaved rows ``outbox_notify_staff`` writes, for a caller that writes many at once
    (``outbox_write_rows``). ``templates``: a dict the caller keeps across calls, so each template is
    read once; load the users with ``select_related("technician")``."""
    rows = []
    ctx = {**_base_context(ticket, None), **context}
    for user in users:
        targets = {}
        if getattr(user, "email", ""):
            targets[MessageChannel.EMAIL] = user.email
        tech = getattr(user, "technician", None) if hasattr(user, "technician") else None
        if tech is not None and tech.phone:
            targets[MessageChannel.SMS] = tech.phone
        for channel, address in targets.items():
            if templates is None:
                template = template_for(event, channel, "zh-hans")
            else:
                if (event, channel) not in templates:
                    templates[(event, channel)] = template_for(event, channel, "zh-hans")
                template = templates[(event, channel)]
            subject, body = render(template, {**ctx, "user": user})
            rows.append(OutboxMessage(
                idempotency_key=f"{idempotency_key}:u{user.pk}:{channel}"[:120], event=event, channel=channel,
                ticket=ticket, user=user, to_address=address, language="zh-hans", subject=subject[:200], body=body,
            ))
    return rows


def outbox_write_rows(rows: list[OutboxMessage]) -> int:
    """Write rows built by ``outbox_staff_rows`` in three queries however many there are: rows whose
    key exists are skipped; delivery is queued after commit. Returns how many rows were new.

    Unlike ``outbox_enqueue`` it hands back no rows: a sweep writing hundreds of messages needs only
    the ids of the new ones to queue them, not every row read back as a model instance."""
    if not rows:
        return 0
    _existing, new = _insert_new_keys(rows)
    if not new:
        return 0
    # Ignored conflicts return no ids: read back the ids of the keys written here. A row a concurrent
    # writer of the same key made first is queued once more, which is harmless: delivery claims a row
    # once.
    ids = list(OutboxMessage.objects.filter(idempotency_key__in=[r.idempotency_key for r in new])
               .order_by("pk").values_list("pk", flat=True))
    _schedule_delivery(ids)
    return len(ids)


def short_url(path: str) -> str:
    """The absolute short link (``/l/<code>``) of a page of this site; one code per path."""
    code = ShortLink.objects.filter(path=path).values_list("code", flat=True).first()
    if code is None:
        # One statement whether or not a concurrent sender made it first, and no savepoint: the row
        # with this path wins, and its code is returned.
        table = connection.ops.quote_name(ShortLink._meta.db_table)
        new = ShortLink(path=path)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (code, path, created_at) VALUES (%s, %s, %s) "
                           f"ON CONFLICT (path) DO UPDATE SET path = EXCLUDED.path RETURNING code",
                           [new.code, new.path, new.created_at])
            code = cursor.fetchone()[0]
    return site_url(f"/l/{code}")


def _milestone_rows(ticket: Ticket, event: TicketEvent, milestone: str, channels: list[str]) -> list[OutboxMessage]:
    addresses = _customer_addresses(ticket.customer)
    if not any(c in addresses for c in channels):
        return []
    language = normalize_language(ticket.customer.preferred_language)
    rows = []
    with translation.override(language):
        text = milestones.text_for(milestone, ticket=ticket, event=event)
        link = short_url(text.link_path)
        for channel in channels:
            if channel not in addresses:
                continue
            body = text.sms(link) if channel == MessageChannel.SMS else text.full(link)
            rows.append(OutboxMessage(
                idempotency_key=f"milestone:{ticket.pk}:{milestone}:{channel}", event=f"milestone.{milestone}",
                milestone=milestone, channel=channel, ticket=ticket, ticket_event=event, customer=ticket.customer,
                to_address=addresses[channel], language=language, subject=text.subject[:200], body=body,
            ))
    return rows


def _collect_ticket(ticket: Ticket, events: list[TicketEvent]) -> int:
    """Write the messages of the milestones these events reach, in order, once per channel."""
    sent: dict[str, set[str]] = {}
    # the engineers the customer was already told about (a reassignment is told once per engineer)
    announced: set = set()
    for milestone, channel, payload in (OutboxMessage.objects.filter(ticket=ticket).exclude(milestone="")
                                        .values_list("milestone", "channel", "ticket_event__payload")):
        sent.setdefault(channel, set()).add(milestone)
        if milestones.base_of(milestone) == milestones.Milestone.ASSIGNED:
            announced.add((payload or {}).get("technician_id"))
    channels = list(_customer_addresses(ticket.customer))
    rows: list[OutboxMessage] = []
    for event in events:
        milestone = milestones.milestone_of(event)
        if milestone is None:
            continue
        if milestone == milestones.Milestone.ASSIGNED:
            technician = (event.payload or {}).get("technician_id")
            if technician in announced:
                continue
            if announced:  # the first engineer keeps the plain milestone; each later one is told once
                milestone = milestones.occurrence_code(milestone, event)
            announced.add(technician)
        else:
            milestone = milestones.occurrence_code(milestone, event)
        wanted = [c for c in channels if milestones.may_send(milestone, sent.setdefault(c, set()))]
        for channel in wanted:
            sent[channel].add(milestone)
        rows += _milestone_rows(ticket, event, milestone, wanted)
    _create_messages(rows)
    return len(rows)


def outbox_collect_events(*, ticket_id: int | None = None, since: dt.datetime | None = None,
                          limit: int = 1000) -> int:
    """Turn a ticket's new customer-visible events into its milestone messages (tickets.milestones).

    Runs inside the caller's transaction (the lifecycle) and from the periodic sweep. Each milestone
    is written at most once per ticket and channel (a unique constraint), never behind a later one;
    events that reach no milestone send nothing. Returns how many messages were written."""
    since = since or timezone.now() - event_lookback()
    events = (TicketEvent.objects.filter(customer_visible=True, created_at__gte=since, kind__in=milestones.SOURCE_KINDS)
              .filter(~Exists(OutboxMessage.objects.filter(ticket_event=OuterRef("pk"))))
              .order_by("ticket_id", "pk"))
    if ticket_id is not None:
        events = events.filter(ticket_id=ticket_id)
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in events[:limit]:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    if not by_ticket:
        return 0
    tickets = Ticket.objects.select_related("customer", "technician", "service_center").in_bulk(list(by_ticket))
    written = 0
    for pk, ticket_events in by_ticket.items():
        if pk not in tickets:
            continue
        if ticket_id is not None:
            # The caller's transaction: a failure here fails the change it reports.
            with transaction.atomic(savepoint=False):
                written += _collect_ticket(tickets[pk], ticket_events)
            continue
        # The sweep serves every ticket: one ticket whose messages cannot be written (bad data,
        # a text that does not render) is logged and left for later, never allowed to stop the
        # collection and delivery of everybody else's messages.
        try:
            with transaction.atomic():
                written += _collect_ticket(tickets[pk], ticket_events)
        except Exception:
            logger.exception("outbox: collecting messages of ticket %s failed; skipped this sweep", pk)
    return written


# Texts that carry a secret (a one-time code) are stored with the secret masked; whoever owns the
# event completes the text only for the gateway, so the row (and every list, export and log that
# shows it) never holds what the customer alone may read.
_GATEWAY_TEXTS: dict[str, Callable[[OutboxMessage], str]] = {}


def register_gateway_text(event: str, complete: Callable[[OutboxMessage], str]) -> None:
    """Let ``complete(message) -> body`` fill in the secret of ``event``'s messages at hand-over."""
    _GATEWAY_TEXTS[event] = complete


def gateway_text(message: OutboxMessage) -> str:
    """The body as the gateway must send it (the stored body unless the event completes it)."""
    complete = _GATEWAY_TEXTS.get(message.event)
    return complete(message) if complete is not None else message.body


def _for_gateway(message: OutboxMessage) -> OutboxMessage:
    """An unsaved copy carrying the complete text; ``record_body`` keeps the stored (masked) one for
    backends that only log."""
    outgoing = copy.copy(message)
    outgoing.record_body = message.body
    outgoing.body = gateway_text(message)
    return outgoing


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Atomically take the message for sending; False when it is sent, taken or not due."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now)
    return bool(OutboxMessage.objects.filter(due, pk=message_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_until=now + LEASE))


def _hand_over(message_id: int) -> None:
    """Record, before the gateway is called, that the message may leave from now on (committed at
    once outside a transaction, so it survives the worker)."""
    OutboxMessage.objects.filter(pk=message_id, status=DeliveryStatus.SENDING).update(
        handed_over_at=timezone.now())


def _mark_sent(message_id: int, provider_id: str) -> None:
    # A send that outlived its lease finds its message marked "unknown" by the next worker; the
    # gateway's answer settles it, so staff are never led to send it a second time.
    OutboxMessage.objects.filter(pk=message_id, status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN]).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), provider_id=provider_id[:100], last_error="",
        claimed_until=None)


def _release(message: OutboxMessage, now: dt.datetime, *, status: str, error: str, handed_over: bool) -> None:
    OutboxMessage.objects.filter(pk=message.pk, status=DeliveryStatus.SENDING).update(
        status=status, last_error=error[:2000], next_attempt_at=now + retry_delay(message.attempts),
        claimed_until=None, handed_over_at=message.handed_over_at if handed_over else None)


def _reconcile(message: OutboxMessage, backend, now: dt.datetime) -> bool:
    """A previous attempt handed the message over and did not finish. Settle it without sending
    twice; return True when it is settled (sent, unknown, or to be asked again later) and False
    when the gateway never received it, so it may be sent now."""
    if not getattr(backend, "can_check_status", False):
        _release(message, now, status=DeliveryStatus.UNKNOWN, handed_over=True, error=gettext(
            "发送过程中断，且该渠道无法查询是否已送达；为避免重复发送，未重发。请核实后手动重试。"))
        return True
    try:
        provider_id = backend.status(message)
    except DeliveryError as exc:
        # The gateway cannot answer now: ask again later, never send blind.
        final = message.attempts >= MAX_ATTEMPTS
        _release(message, now, status=DeliveryStatus.UNKNOWN if final else DeliveryStatus.RETRY,
                 error=f"status: {exc}", handed_over=True)
        return True
    if provider_id is not None:
        _mark_sent(message.pk, provider_id)
        return True
    return False


def outbox_deliver(*, message_id: int, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Send one message if it is due and nobody else holds it; mark it sent, or schedule a retry with
    backoff, or fail it after MAX_ATTEMPTS (or on a non-retryable error). Returns the row, or None if
    it does not exist. Never sends a message already marked sent, and never sends again a message a
    killed worker may have sent: that one is settled with the gateway first (see the module)."""
    now = now or timezone.now()
    if not _claim(message_id, now):
        return OutboxMessage.objects.filter(pk=message_id).first()
    message = OutboxMessage.objects.get(pk=message_id)
    backend = backend_for(message.channel)
    if message.handed_over_at is not None and _reconcile(message, backend, now):
        message.refresh_from_db()
        return message
    _hand_over(message_id)
    try:
        provider_id = backend.send(_for_gateway(message))
    except DeliveryError as exc:
        final = not exc.retryable or message.attempts >= MAX_ATTEMPTS
        # Only an answer that may hide a delivery (a timeout after the request left) keeps the
        # hand-over mark, so that the next attempt asks the gateway first.
        _release(message, now, status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRY, error=str(exc),
                 handed_over=exc.maybe_sent)
    else:
        _mark_sent(message_id, provider_id)
    message.refresh_from_db()
    return message


def outbox_due_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now)
    return list(OutboxMessage.objects.filter(due).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def outbox_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic pickup: create missing event messages, then deliver every due message (new ones
    whose after-commit task was lost, retries whose backoff is over, and expired claims)."""
    now = now or timezone.now()
    collected = outbox_collect_events(since=now - event_lookback())
    now = max(now, timezone.now())  # rows just collected are due at once
    sent = failed = 0
    for message_id in outbox_due_ids(now=now):
        message = outbox_deliver(message_id=message_id, now=now)
        if message is not None and message.status == DeliveryStatus.SENT:
            sent += 1
        elif message is not None and message.status in (DeliveryStatus.FAILED, DeliveryStatus.RETRY,
                                                        DeliveryStatus.UNKNOWN):
            failed += 1
    return {"collected": collected, "sent": sent, "failed": failed}


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, by=None) -> OutboxMessage:
    """Staff action: put a failed message, or one whose delivery is unknown once staff have checked
    with the customer, back in the queue (it keeps its idempotency key)."""
    OutboxMessage.objects.filter(pk=message.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN]).update(
        status=DeliveryStatus.RETRY, next_attempt_at=timezone.now(), attempts=0, handed_over_at=None)
    _schedule_delivery([message.pk])
    message.refresh_from_db()
    return message
