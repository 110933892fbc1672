"""My jobs: the list (cursor pagination, filters), delta sync with tombstones, and the job detail."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import IdCursorPagination
from knowledge.selectors import ticket_suggestions
from tickets import policy
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment, Ticket, TicketAssignment, TicketEvent
from tickets.services import ticket_available_transitions

from .base import ApiView, IsTechnician, JobMixin, error_responses, technician_of
from .serializers import JOB_VALUES, ArticleOut, JobDetailOut, JobOut, job_row

logger = logging.getLogger(__name__)

JOB_LIST_RELATED = ("customer", "product_model", "fault_category")
# Events younger than this may still have uncommitted neighbours with smaller ids (ids are taken at
# insert, rows become visible at commit); the sync cursor never moves past them, so a slow
# transaction's change is delivered on the next sync instead of being skipped.
SYNC_SAFETY = dt.timedelta(seconds=10)
SYNC_LIMIT = 100


class JobFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text="One state or several separated by commas, "
                                   "e.g. assigned,in_progress.")
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: only open jobs; false: only finished ones.")
    created_from = serializers.DateField(required=False, help_text="Created on or after this day (local).")
    created_to = serializers.DateField(required=False, help_text="Created on or before this day (local).")
    due_before = serializers.DateTimeField(required=False, help_text="Resolution deadline before this time.")

    def validate_status(self, value: str) -> list[str]:
        states = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in states if s not in Ticket.Status.values]
        if unknown:
            raise serializers.ValidationError(_("未知状态：%(states)s") % {"states": ", ".join(unknown)})
        return states

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and start > end:
            raise serializers.ValidationError({"created_to": [_("结束日期不能早于开始日期。")]})
        return attrs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def job_list_filter(qs: QuerySet[Ticket], filters: dict) -> QuerySet[Ticket]:
    if filters.get("status"):
        qs = qs.filter(status__in=filters["status"])
    if filters.get("active") is True:
        qs = qs.filter(status__in=Ticket.OPEN_STATES)
    elif filters.get("active") is False:
        qs = qs.exclude(status__in=Ticket.OPEN_STATES)
    if filters.get("created_from"):
        qs = qs.filter(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        qs = qs.filter(created_at__lt=_day_start(filters["created_to"] + dt.timedelta(days=1)))
    if filters.get("due_before"):
        qs = qs.filter(due_resolution_at__lt=filters["due_before"])
    return qs


def job_page_candidates(request: Request, paginator: IdCursorPagination, filters: dict) -> QuerySet[Ticket]:
    """The few tickets one page of the technician's list can hold, found part by part, each from its
    own index; the paginator then orders and cuts them as usual.

    A technician's jobs are those they lead (a range of the (technician, id) index, read from the
    cursor on) and those an active assignment offers them or has them help on (a handful). Asked as
    one "led by me or assigned to me, newest first" query, PostgreSQL walks the primary key of the
    whole ticket table backwards until it has a page, which costs what the table costs, not what the
    technician's jobs cost: at a million tickets a quarter of a second for someone whose jobs are old.
    """
    tech = technician_of(request.user)
    if tech is None:
        return Ticket.objects.none()
    cursor = paginator.decode_cursor(request)
    want = paginator.get_page_size(request) + 1 + (cursor.offset if cursor else 0)
    led = job_list_filter(Ticket.objects.filter(technician_id=tech.pk), filters).values_list("id", flat=True)
    assigned = policy.technician_assigned_ticket_ids(tech.pk)
    if cursor is None:
        led = led.order_by("-id")
    elif cursor.reverse:
        position = int(cursor.position)
        led, assigned = led.filter(id__gt=position).order_by("id"), assigned.filter(ticket_id__gt=position)
    else:
        position = int(cursor.position)
        led, assigned = led.filter(id__lt=position).order_by("-id"), assigned.filter(ticket_id__lt=position)
    # active assignments are the technician's open offers and team jobs, a handful, so all of them on
    # the cursor's side are candidates (whether they pass the filters is for the final query to say)
    ids = {*led[:want], *assigned}
    return job_list_filter(Ticket.objects.filter(pk__in=ids), filters)


class JobListApi(ApiView):
    """My jobs, newest first, with cursor pagination (``next`` / ``previous`` links)."""

    permission_classes = [IsTechnician]
    pagination_class = IdCursorPagination

    class JobPage(serializers.Serializer):
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = JobOut(many=True)

    @extend_schema(
        operation_id="jobs_list", tags=["jobs"], parameters=[JobFilterSerializer],
        responses={200: JobPage, **error_responses("400", "401", "403")},
    )
    def get(self, request: Request) -> Response:
        filters = JobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        # rows as values, not model instances: the page reads twenty tickets with three relations each
        qs = job_page_candidates(request, paginator, filters.validated_data).values(*JOB_VALUES)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([job_row(values) for values in page])


# ---------------------------------------------------------------------------------------------
# Delta sync
# ---------------------------------------------------------------------------------------------

def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e1:{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        event_id = int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        event_id = -1
        prefix = ""
    if prefix != "e1" or event_id < 0:
        raise ValidationFailed(_("无效的同步游标。"), code="invalid_cursor",
                               extra={"fields": {"since": [_("无效的同步游标。")]}})
    return event_id


class TombstoneOut(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    number = serializers.CharField()
    reason = serializers.ChoiceField(choices=["reassigned", "released"],
                                     help_text="reassigned: another technician has it now; released: back to "
                                     "the dispatch queue.")


class JobSyncApi(ApiView):
    """Everything changed since a cursor: changed jobs (full rows) and jobs taken away (tombstones).

    The cursor follows the ticket timeline (every change of a job writes a ``TicketEvent``). Start
    without ``since``; store the returned ``cursor``; call again with it; repeat while ``has_more``.
    A job may be delivered twice (a replay is harmless: upsert by id), never skipped.
    """

    permission_classes = [IsTechnician]

    class SyncQuery(serializers.Serializer):
        since = serializers.CharField(required=False, allow_blank=True, help_text="The cursor of the last sync.")

    class SyncOut(serializers.Serializer):
        cursor = serializers.CharField(help_text="Pass as ?since= next time.")
        has_more = serializers.BooleanField()
        jobs = JobOut(many=True)
        removed = TombstoneOut(many=True)

    @extend_schema(
        operation_id="jobs_sync", tags=["jobs"],
        parameters=[OpenApiParameter("since", str, description="Cursor returned by the previous sync.")],
        responses={200: SyncOut, **error_responses("400", "401", "403")},
    )
    def get(self, request: Request) -> Response:
        query = self.SyncQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = decode_cursor(query.validated_data["since"]) if query.validated_data.get("since") else 0
        tech = technician_of(request.user)
        # Mine now, or assigned to me at some point (the assignment event names the technician).
        mine_ever = Ticket.objects.filter(
            Q(technician=tech)
            | Q(pk__in=TicketEvent.objects.filter(kind="ticket.assigned", payload__technician_id=tech.pk)
                .values("ticket_id"))
        )
        rows = list(
            TicketEvent.objects.filter(id__gt=since, ticket__in=mine_ever)
            .values("ticket_id").annotate(last=Max("id")).order_by("last")[: SYNC_LIMIT + 1]
        )
        has_more = len(rows) > SYNC_LIMIT
        rows = rows[:SYNC_LIMIT]
        tickets = Ticket.objects.select_related(*JOB_LIST_RELATED).in_bulk([r["ticket_id"] for r in rows])
        jobs, removed = [], []
        for row in rows:
            ticket = tickets[row["ticket_id"]]
            if ticket.technician_id == tech.pk:
                jobs.append(ticket)
            else:
                reason = "reassigned" if ticket.technician_id else "released"
                removed.append({"id": ticket.pk, "uuid": ticket.uuid, "number": ticket.number, "reason": reason})
        if has_more:
            cursor = rows[-1]["last"]
        else:
            horizon = (
                TicketEvent.objects.filter(created_at__lt=timezone.now() - SYNC_SAFETY)
                .order_by("-id").values_list("id", flat=True).first()
            ) or 0
            newest = rows[-1]["last"] if rows else since
            cursor = max(since, min(newest, horizon))
        return Response(self.SyncOut({
            "cursor": encode_cursor(cursor), "has_more": has_more, "jobs": jobs, "removed": removed,
        }).data)


# ---------------------------------------------------------------------------------------------
# Detail
# ---------------------------------------------------------------------------------------------

HISTORY_LIMIT = 10


def job_articles(ticket: Ticket) -> list[dict]:
    """Knowledge suggestions for the fault (the knowledge app's selector; an interface may compose it)."""
    articles = ticket_suggestions(ticket=ticket, limit=3).articles
    return ArticleOut(
        [{"id": a.pk, "title": a.title, "summary": getattr(a, "summary", ""), "slug": getattr(a, "slug", ""),
          "audience": getattr(a, "audience", ""), "score": getattr(a, "score", None)} for a in articles],
        many=True,
    ).data


def job_detail_context(ticket: Ticket, *, user: Any) -> dict:
    history: list[Ticket] = []
    if ticket.device_id:
        history = list(
            Ticket.objects.filter(device_id=ticket.device_id).exclude(pk=ticket.pk)
            .order_by("-created_at")[:HISTORY_LIMIT]
        )
    return {
        "history": history,
        "repair_order": ticket.repair_orders.order_by("-created_at").first(),
        "attachments": list(Attachment.objects.filter(ticket=ticket).order_by("created_at", "id")),
        "events": list(TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id")),
        "articles": job_articles(ticket),
        "available_actions": ticket_available_transitions(ticket=ticket, by=user),
        "assignment_status": (
            TicketAssignment.objects.filter(ticket=ticket, technician__user=user).order_by("-created_at")
            .values_list("status", flat=True).first()
        ),
    }


def job_detail_data(ticket: Ticket, *, user: Any) -> dict:
    return JobDetailOut(ticket, context=job_detail_context(ticket, user=user)).data


class JobDetailApi(JobMixin, ApiView):
    """One of my jobs with the customer, device, history, 三包 preview, SLA and articles."""

    permission_classes = [IsTechnician]

    @extend_schema(operation_id="jobs_retrieve", tags=["jobs"],
                   responses={200: JobDetailOut, **error_responses("401", "403", "404")})
    def get(self, request: Request, job_id: int) -> Response:
        return Response(job_detail_data(self.get_job(), user=request.user))

