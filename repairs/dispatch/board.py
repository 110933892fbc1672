"""The dispatch screen's read: every technician the dispatcher may reach, for one ticket.

Each row says whether the technician is on the candidate list, and if not the first criterion they
fail (the same ``center_misses`` / ``technician_miss`` rule the auto-dispatch applies), with their
score by the auto-dispatch's own ``candidate_score``: skills matched and missing, distance, load
against capacity, today's appointments, duty and whether the technicians' app is signed in.

A constant number of queries whatever the number of technicians: centres, technicians with their
load, tried technicians, today's appointments and app sessions, one each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from repairs.models import Technician
from repairs.scheduling.models import Appointment
from repairs.skills import skill_label
from tickets.address import ticket_place
from tickets.models import Ticket, TicketAssignment

from .selectors import (
    CANDIDATE_FIELDS,
    ELIMINATION_LABELS,
    VIP_TIERS,
    Candidate,
    _f,
    _product_category,
    candidate_score,
    center_misses,
    distance_text,
    live_app_tokens,
    score_reasons,
    technician_miss,
    technicians_with_load,
)

# Where the ticket's point came from: a division's centre is only an estimate of the address.
POINT_SOURCES = {
    "ticket": gettext_lazy("工单地址坐标"),
    "customer": gettext_lazy("客户地址坐标"),
    "division": gettext_lazy("按所在区划中心估算"),
}


@dataclass
class Appointed:
    start: dt.datetime
    end: dt.datetime
    ticket_id: int
    number: str


@dataclass
class BoardRow:
    technician_id: int
    name: str
    employee_no: str
    center_id: int
    center_name: str
    candidate: Candidate  # score and breakdown by the auto-dispatch's rule
    miss: str | None  # the first criterion failed; None = on the candidate list
    rank: int | None = None  # 1-based place on the candidate list
    is_current: bool = False  # the ticket's lead now
    skills_matched: list[str] = field(default_factory=list)  # skill names, as people read them
    skills_missing: list[str] = field(default_factory=list)
    product_ok: bool = True
    on_duty: bool = True
    app_signed_in_at: dt.datetime | None = None
    appointments: list[Appointed] = field(default_factory=list)

    @property
    def is_candidate(self) -> bool:
        return self.miss is None

    @property
    def miss_label(self) -> str:
        return str(ELIMINATION_LABELS[self.miss]) if self.miss else ""

    @property
    def score(self) -> float:
        return self.candidate.score

    @property
    def load(self) -> dict[str, Any]:
        return self.candidate.breakdown["load"]

    @property
    def over_capacity(self) -> bool:
        return self.load["open"] >= self.load["capacity"]

    @property
    def distance_km(self) -> float | None:
        return self.candidate.breakdown["distance"]["km"]

    @property
    def distance_text(self) -> str:
        return distance_text(self.candidate.breakdown["distance"])

    @property
    def reasons(self) -> list[str]:
        return score_reasons(self.candidate.breakdown)

    @property
    def app_signed_in(self) -> bool:
        return self.app_signed_in_at is not None


@dataclass
class DispatchBoard:
    ticket: Ticket
    skill: str
    product_category: str
    point_source: str  # POINT_SOURCES key, or "" when the ticket cannot be placed
    rows: list[BoardRow]

    @property
    def product_category_label(self) -> str:
        from tickets.models import ProductCategory

        known = dict(ProductCategory.choices)
        return str(known.get(self.product_category, self.product_category))

    @property
    def candidates(self) -> list[BoardRow]:
        return [r for r in self.rows if r.is_candidate]

    @property
    def others(self) -> list[BoardRow]:
        return [r for r in self.rows if not r.is_candidate]

    @property
    def skill_label(self) -> str:
        return skill_label(self.skill) if self.skill else ""

    @property
    def point_label(self) -> str:
        return str(POINT_SOURCES.get(self.point_source, ""))

    def row(self, technician_id: int) -> BoardRow | None:
        return next((r for r in self.rows if r.technician_id == technician_id), None)


def tried_technician_ids(ticket: Ticket) -> set[int]:
    """Technicians who declined or were released from this ticket's lead role: never offered again
    without the dispatcher saying why."""
    return set(TicketAssignment.objects.filter(
        ticket=ticket, role=TicketAssignment.Role.LEAD,
        status__in=[TicketAssignment.Status.DECLINED, TicketAssignment.Status.RELEASED],
    ).values_list("technician_id", flat=True))


def _point_source(ticket: Ticket, lat: Any) -> str:
    if lat is None:
        return ""
    if ticket.latitude is not None and ticket.longitude is not None:
        return "ticket"
    if ticket.customer.latitude is not None and ticket.customer.longitude is not None:
        return "customer"
    return "division"


def _today_appointments(technician_ids: list[int], now: dt.datetime) -> dict[int, list[Appointed]]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(timezone.localtime(now).date(), dt.time.min), tz)
    rows = (Appointment.objects.filter(status__in=[Appointment.Status.BOOKED, Appointment.Status.DONE],
                                       ticket__technician_id__in=technician_ids, start__gte=start,
                                       start__lt=start + dt.timedelta(days=1))
            .order_by("start", "pk").values("ticket__technician_id", "start", "end", "ticket_id", "ticket__number"))
    out: dict[int, list[Appointed]] = {}
    for row in rows:
        out.setdefault(row["ticket__technician_id"], []).append(
            Appointed(row["start"], row["end"], row["ticket_id"], row["ticket__number"]))
    return out


def _app_sessions(user_ids: list[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """``{user_id: when the newest live app token was issued}``: a technician with an unexpired
    token is signed in to the app on some device (logging out revokes the token)."""
    rows = (live_app_tokens(now).filter(user_id__in=user_ids)
            .order_by().values("user_id").annotate(last=Max("created")))
    return {row["user_id"]: row["last"] for row in rows}


def dispatch_board(*, ticket: Ticket, technicians: QuerySet[Technician],
                   now: dt.datetime | None = None) -> DispatchBoard:
    """Every technician of ``technicians`` (the caller passes the dispatcher's scope) for ``ticket``:
    candidates first by score (ties: lower id), then the others by the criterion they fail, then
    by score. ``ticket`` should come with its customer, fault category and product model loaded."""
    now = now or timezone.now()
    category = ticket.fault_category
    skill = category.required_skill if category else ""
    product_category = _product_category(ticket)
    _codes, lat, lon = ticket_place(ticket)
    t_lat, t_lon = _f(lat), _f(lon)
    tier = ticket.customer.tier
    vip = tier in VIP_TIERS
    misses = center_misses(ticket=ticket)
    tried = tried_technician_ids(ticket)
    rows = list(technicians_with_load().filter(pk__in=technicians.values("pk")).values(
        *CANDIDATE_FIELDS, "employee_no", "user_id", "center__name"))
    ids = [row["pk"] for row in rows]
    appointments = _today_appointments(ids, now)
    sessions = _app_sessions([row["user_id"] for row in rows], now)
    out = []
    for row in rows:
        is_current = row["pk"] == ticket.technician_id and ticket.status == Ticket.Status.ASSIGNED
        miss = misses.get(row["center_id"], "other_center")
        if miss is None and row["pk"] in tried:
            miss = "tried"
        if miss is None:
            miss = technician_miss(row, skill=skill, product_category=product_category)
        own = row["skills"] or []
        out.append(BoardRow(
            technician_id=row["pk"], name=row["name"], employee_no=row["employee_no"], center_id=row["center_id"],
            center_name=row["center__name"],
            candidate=candidate_score(row, skill=skill, t_lat=t_lat, t_lon=t_lon, vip=vip, tier=tier, now=now),
            miss=miss, is_current=is_current,
            skills_matched=[skill_label(skill)] if skill and skill in own else [],
            skills_missing=[skill_label(skill)] if skill and skill not in own else [],
            product_ok=not (product_category and row["product_categories"]
                            and product_category not in row["product_categories"]),
            on_duty=row["on_duty"], app_signed_in_at=sessions.get(row["user_id"]),
            appointments=appointments.get(row["pk"], []),
        ))
    order = list(ELIMINATION_LABELS)
    out.sort(key=lambda r: (r.miss is not None, order.index(r.miss) if r.miss else 0, -r.score, r.technician_id))
    for rank, row in enumerate(r for r in out if r.miss is None):
        row.rank = rank + 1
    return DispatchBoard(ticket=ticket, skill=skill, product_category=product_category,
                         point_source=_point_source(ticket, t_lat), rows=out)
