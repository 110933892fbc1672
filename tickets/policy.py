"""Who may do what to which rows: the one permission and scope policy.

Every interface (admin views, actions, import/export, autocomplete, the REST API) and every service asks
this module instead of writing its own role or centre check:

- ``can(user, perm, obj=None)`` / ``require(by, perm, obj=None)``: the model permission, and, given a
  row, whether that row lies in the user's scope;
- ``scope_queryset(user, qs)``: the rows of any model the user may see;
- ``can_view_full_contact(user)`` and the ``mask_*`` helpers for personal data.

Scope, in one place:
- superusers and roles holding ``tickets.view_all_centers`` (dispatch, ops) see every centre;
- a centre manager (the 网点经理 role, or anyone managing a centre) sees only the rows of the centres they
  manage; a manager without a centre sees no centre-owned rows at all;
- a technician who does not dispatch sees their own jobs (lead or active helper); a technician who is
  also a QC inspector sees their centre's jobs, since inspecting colleagues' work is the job;
- other staff (agents work the whole queue, QC, warehouse) see every row their model permission allows.

Which rows belong to which centre is declared per model in ``SCOPES`` by field paths (strings, so the hub
imports none of the apps it names). Shared reference data (price list, parts catalogue, categories) and
the back office's own machinery (users, queues, credentials, gated by model permissions) are declared in
``GLOBAL`` and never narrowed by centre. A model in neither is closed: a role limited to a centre or to
its own jobs reaches none of its rows, so a new model leaks nothing until someone decides its scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .exceptions import PermissionDeniedError
from .masking import MASKS, mask_address, mask_email, mask_name, mask_phone  # noqa: F401 - the policy's masks
from .roles import MANAGER, QC

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

VIEW_ALL_CENTRES = "tickets.view_all_centers"
VIEW_FULL_CONTACT = "tickets.view_full_contact"
DISPATCH = "tickets.assign_ticket"


@dataclass(frozen=True)
class Rule:
    """How a model's rows hang off a centre and a technician.

    ``centre``: paths to the owning ServiceCenter (a row matches if any path does);
    ``ticket``: path to the Ticket the row belongs to (a technician sees rows of their jobs);
    ``technician``: path to the Technician who owns the row (when there is no ticket);
    ``shared_when_unowned``: rows whose every centre path is empty are shared (central warehouses);
    ``via_tickets``: the row is in scope when one of its tickets is (customers, devices): the tickets'
    field ``via_tickets`` holds the row's ``through`` (its own key, or the key it points to);
    ``creator``: path to the user who started the row (background jobs): personal rows.
    """

    centre: tuple[str, ...] = ()
    ticket: str | None = None
    technician: str | None = None
    shared_when_unowned: bool = False
    via_tickets: str | None = None
    through: str = "pk"
    # path to the user who started the row: such rows are personal, each user (superusers aside) reaches
    # only their own whatever their centre scope
    creator: str | None = None


def _on_ticket(path: str = "ticket", **kwargs: Any) -> Rule:
    return Rule(centre=(f"{path}__service_center",), ticket=path, **kwargs)


_LOCATION = ("center", "technician__center")


def _at_location(path: str) -> tuple[str, ...]:
    return tuple(f"{path}__{p}" for p in _LOCATION)


SCOPES: dict[str, Rule] = {
    # the hub
    "tickets.ticket": Rule(centre=("service_center",), ticket="pk"),
    "tickets.customer": Rule(via_tickets="customer_id"),
    "tickets.device": Rule(via_tickets="device_id"),
    "tickets.ticketevent": _on_ticket(),
    "tickets.attachment": _on_ticket(),
    "tickets.ticketassignment": _on_ticket(),
    "tickets.triageresult": _on_ticket(),
    "tickets.triagecorrection": _on_ticket(),
    "tickets.intakerecord": _on_ticket(),
    "tickets.invoicerequest": _on_ticket(),
    "tickets.outboxmessage": _on_ticket(),
    "tickets.webhookdelivery": _on_ticket(),
    "tickets.slaclock": Rule(centre=("center", "ticket__service_center"), ticket="ticket"),
    "tickets.slaledgerentry": _on_ticket(),
    "tickets.onetimecode": _on_ticket(),
    # the field force and the workshop
    "repairs.servicecenter": Rule(centre=("pk",)),
    "repairs.technician": Rule(centre=("center",), technician="pk"),
    "repairs.repairorder": Rule(centre=("center",), ticket="ticket"),
    "repairs.quote": Rule(centre=("repair_order__center",), ticket="repair_order__ticket"),
    "repairs.quoteline": Rule(centre=("quote__repair_order__center",), ticket="quote__repair_order__ticket"),
    "repairs.repairrecord": Rule(centre=("repair_order__center",), ticket="repair_order__ticket"),
    "repairs.repairstatuschange": Rule(centre=("repair_order__center",), ticket="repair_order__ticket"),
    "repairs.repairvisit": _on_ticket(),
    "repairs.fittedpart": Rule(centre=("repair_order__center",), ticket="repair_order__ticket"),
    "repairs.qcinspection": Rule(centre=("repair_order__center",), ticket="repair_order__ticket"),
    # a 三包 card carries the consumer's name, phone and address: it is seen where the device's tickets are
    "repairs.warrantycard": Rule(via_tickets="device_id", through="device"),
    "payments.payment": Rule(centre=("repair_order__center",), ticket="ticket"),
    "payments.refund": Rule(centre=("payment__repair_order__center",), ticket="payment__ticket"),
    "payments.paymentdeferral": Rule(centre=("repair_order__center",), ticket="ticket"),
    "logistics.shipment": _on_ticket(),
    "logistics.trackingevent": _on_ticket("shipment__ticket"),
    "repairs.windowcapacity": Rule(centre=("center",)),
    "repairs.appointmentslot": Rule(centre=("center",)),
    "repairs.appointment": _on_ticket(),
    "repairs.routeplan": Rule(centre=("technician__center",), technician="technician"),
    "repairs.locationping": _on_ticket("visit__ticket"),
    "repairs.privacybinding": _on_ticket(),
    # spare parts: central and regional warehouses belong to no centre and are shared
    "parts.location": Rule(centre=_LOCATION, shared_when_unowned=True),
    "parts.stocklevel": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.stockmovement": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.reservation": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.jobpartsreconciliation": Rule(centre=_at_location("van"), ticket="ticket"),
    "parts.serialunit": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.demandforecast": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.lowstockalert": Rule(centre=_at_location("location"), shared_when_unowned=True),
    "parts.transfer": Rule(centre=(*_at_location("source"), *_at_location("destination"))),
    "parts.defectivereturn": Rule(centre=(*_at_location("from_location"), "ticket__service_center")),
    "parts.supplierclaim": Rule(centre=_at_location("defective_return__from_location")),
    # surveys
    "surveys.invitation": _on_ticket(),
    "surveys.response": Rule(centre=("center",), ticket="ticket"),
    "surveys.followup": Rule(centre=("center",), ticket="ticket"),
    "surveys.technicianalert": Rule(centre=("technician__center",), technician="technician"),
    "knowledge.diagnosiswalk": _on_ticket(),
    # analytics rollups: a manager reads their centres' figures
    "tickets.ticketdailyrollup": Rule(centre=("center",)),
    "tickets.faultmonthlyrollup": Rule(centre=("center",)),
    "tickets.techniciandailyrollup": Rule(centre=("center",), technician="technician"),
    "tickets.centredailyrollup": Rule(centre=("center",)),
    "tickets.centremonthlyrollup": Rule(centre=("center",)),
    "tickets.partdailyrollup": Rule(centre=("center",)),
    # background imports and exports: a file may hold any centre's data, so each user reaches only the
    # jobs they started (superusers every job)
    "tickets.datajob": Rule(creator="created_by"),
}


# Rows that belong to no centre: reference data every role reads as its model permission allows, and
# the back office's machinery, which only the roles granted its permissions reach.
GLOBAL: frozenset[str] = frozenset({
    # reference data and configuration
    "tickets.faultcategory", "tickets.productmodel", "tickets.slapolicy", "tickets.calendarday",
    "tickets.classifiermodel", "tickets.messagetemplate", "tickets.webhookendpoint", "tickets.intakechannelkey",
    "tickets.ticketsequence", "tickets.shortlink", "tickets.idempotencyrecord",
    "repairs.pricelistitem", "repairs.depreciationrate", "repairs.warrantyruleset", "repairs.reportbranding",
    "parts.part", "surveys.survey",
    # a fault spike is about a product model across every centre; the rollups' watermark
    "tickets.faultspikealert", "tickets.rollupstate",
    "knowledge.article", "knowledge.articleversion", "knowledge.diagnosistree", "knowledge.diagnosisnode",
    "knowledge.diagnosisanswer",
    # accounts, credentials, sign-in records and the task queue
    "auth.user", "auth.group", "knox.authtoken", "rest_framework_api_key.apikey",
    "axes.accessattempt", "axes.accessfailurelog", "axes.accesslog",
    "django_q.task", "django_q.schedule", "django_q.ormq",
    # the payment gateways' notification log (operations only)
    "payments.paymentnotification",
})
CLOSED = Rule()  # no path to a centre, a job or a technician: nothing for a narrowed role


def _label(model: type[Model]) -> str:
    return model._meta.concrete_model._meta.label_lower


def is_global(model: type[Model]) -> bool:
    return _label(model) in GLOBAL


def rule_for(model: type[Model]) -> Rule | None:
    """The scope rule of a model (proxies share their concrete model's rule): None for a model declared
    global, ``CLOSED`` for a model nobody declared."""
    label = _label(model)
    if label in GLOBAL:
        return None
    return SCOPES.get(label, CLOSED)


# --- who the user is --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """``everything``; or rows of ``centre_ids``; or the jobs of ``technician_id`` (whose own centre is
    then ``centre_ids``, for rows that belong to no job such as stock)."""

    everything: bool = False
    centre_ids: frozenset[int] = field(default_factory=frozenset)
    technician_id: int | None = None


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def technician_of(user: Any) -> Any:
    """The user's Technician profile, or None (one query, remembered on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.technician
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist of a model the hub does not import
        return None


def is_qc_inspector(user: Any) -> bool:
    """QC inspectors: technicians flagged as inspectors, or users of the 质检 role."""
    if not getattr(user, "is_authenticated", False):
        return False
    tech = technician_of(user)
    if tech is not None and tech.is_qc_inspector:
        return True
    return user.groups.filter(name=QC).exists()


def is_centre_manager(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.groups.filter(name=MANAGER).exists() or bool(managed_centre_ids(user)))


def managed_centre_ids(user: Any) -> frozenset[int]:
    cached = getattr(user, "_policy_managed", None)
    if cached is None:
        managers = getattr(user, "managed_centers", None)
        cached = frozenset(managers.values_list("pk", flat=True)) if managers is not None and user.pk else frozenset()
        user._policy_managed = cached
    return cached


def user_scope(user: Any) -> Scope:
    """The rows this user may reach, decided once per user object."""
    cached = getattr(user, "_policy_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if getattr(user, "is_authenticated", False):
        user._policy_scope = scope
    return scope


def _compute_scope(user: Any) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser or user.has_perm(VIEW_ALL_CENTRES):
        return EVERYTHING
    if is_centre_manager(user):
        return Scope(centre_ids=managed_centre_ids(user))
    tech = technician_of(user)
    if tech is not None and not user.has_perm(DISPATCH):
        if tech.is_qc_inspector:
            return Scope(centre_ids=frozenset({tech.center_id}))
        return Scope(technician_id=tech.pk, centre_ids=frozenset({tech.center_id}))
    return EVERYTHING


def visible_centre_ids(user: Any) -> frozenset[int] | None:
    """The centres whose figures a report may show the user; None means every centre."""
    scope = user_scope(user)
    return None if scope.everything else scope.centre_ids


def forget(user: Any) -> None:
    """Drop what was remembered about the user (after their centres or groups change)."""
    for attr in ("_policy_scope", "_policy_managed", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


# --- rows -------------------------------------------------------------------------------------------

def technician_assigned_ticket_ids(technician_id: int) -> QuerySet:
    """The tickets an active assignment (offered or accepted) gives the technician, led or helped on."""
    from .models import TicketAssignment

    return (TicketAssignment.objects.filter(technician_id=technician_id, status__in=TicketAssignment.ACTIVE_STATUSES)
            .order_by().values_list("ticket_id", flat=True))


def technician_job_ids(technician_id: int) -> QuerySet:
    """The technician's jobs: those they lead and those they help on an active team assignment (the
    services decide what each may change).

    A UNION of two indexed lookups (tickets by technician, active assignments by technician), not
    ``technician = x OR pk IN (…)``: with the OR, PostgreSQL cannot use either index and walks the
    whole table in primary-key order, which grows with every ticket ever written; the UNION costs
    what the technician's own jobs cost, whatever the size of the table."""
    from .models import Ticket

    helping = technician_assigned_ticket_ids(technician_id).values("ticket_id")
    # no ORDER BY inside the parts: SQLite refuses it in a compound statement (the models have orderings)
    return Ticket.objects.filter(technician_id=technician_id).order_by().values("pk").union(helping)


def scope_q(user: Any, model: type[Model]) -> Q | None:
    """The filter that limits ``model`` to the user's rows; None means no limit."""
    scope = user_scope(user)
    rule = rule_for(model)
    if rule is not None and rule.creator:
        if getattr(user, "is_superuser", False):
            return None
        if not getattr(user, "is_authenticated", False) or scope is NOTHING:
            return Q(pk__in=[])
        return Q(**{rule.creator: user.pk})
    if scope.everything or rule is None:
        return None
    if scope.technician_id is not None:
        return _technician_q(scope, rule)
    return _centre_q(scope.centre_ids, rule)


def _centre_q(centre_ids: frozenset[int], rule: Rule) -> Q:
    if rule.via_tickets:
        from .models import Ticket

        tickets = Ticket.objects.filter(service_center_id__in=centre_ids)
        return Q(**{f"{rule.through}__in": tickets.values(rule.via_tickets)})
    if not centre_ids and not rule.shared_when_unowned:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for path in rule.centre:
        q |= Q(**{f"{path}__in": centre_ids})
    if rule.shared_when_unowned:
        unowned = Q()
        for path in rule.centre:
            unowned &= Q(**{f"{path}__isnull": True})
        q |= unowned
    return q


def _technician_q(scope: Scope, rule: Rule) -> Q:
    technician_id = scope.technician_id
    if rule.via_tickets:
        from .models import Ticket

        tickets = Ticket.objects.filter(pk__in=technician_job_ids(technician_id))
        return Q(**{f"{rule.through}__in": tickets.values(rule.via_tickets)})
    if rule.ticket:
        return Q(**{f"{rule.ticket}__in": technician_job_ids(technician_id)})
    if rule.technician:
        return Q(**{rule.technician: technician_id})
    # Stock and the like: what the technician's own centre holds (and the shared warehouses).
    return _centre_q(scope.centre_ids, rule)


def scope_queryset(user: Any, qs: QuerySet, model: type[Model] | None = None) -> QuerySet:
    """``qs`` limited to the rows the user may reach (see the module docstring for the rules)."""
    q = scope_q(user, model or qs.model)
    if q is None:
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(q)


def in_scope(user: Any, obj: Model) -> bool:
    """Whether this row lies in the user's scope (one query at most)."""
    model = type(obj)
    q = scope_q(user, model)
    if q is None:
        return user_scope(user) is not NOTHING
    return model._default_manager.filter(q, pk=obj.pk).exists()


# --- decisions --------------------------------------------------------------------------------------

def can(user: Any, perm: str, obj: Model | None = None) -> bool:
    """Whether a (signed-in, active) user holds ``perm`` and, given a row, may act on that row."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.has_perm(perm):
        return False
    return obj is None or in_scope(user, obj)


def require(by: AbstractBaseUser | None, perm: str, obj: Model | None = None, *, message: Any = None) -> None:
    """Raise PermissionDeniedError unless ``by`` may; ``by=None`` is the system (schedules, the customer's
    own page through its service) and always passes."""
    if by is None:
        return
    if not (getattr(by, "is_authenticated", False) and by.is_active and by.has_perm(perm)):
        raise PermissionDeniedError(message)
    if obj is not None and not in_scope(by, obj):
        raise PermissionDeniedError(_out_of_scope_message(by))


def _out_of_scope_message(user: Any) -> Any:
    if user_scope(user).technician_id is not None:
        return _("只能处理分配给自己的工单。")
    return _("只能处理本网点的工单。")


def acts_on_own_jobs_only(user: Any) -> bool:
    """True for a technician limited to their own jobs (not a dispatcher, manager or inspector)."""
    return user is not None and user_scope(user).technician_id is not None


def can_export(user: Any, model: type[Model]) -> bool:
    """Export is reading in bulk: it needs the model's view permission (rows are scoped separately)."""
    opts = model._meta
    return can(user, f"{opts.app_label}.view_{opts.model_name}")


def can_import(user: Any, model: type[Model]) -> bool:
    """Import creates and updates rows: it needs both the add and the change permission. Which rows of
    the file the user may write is their scope, checked row by row as the file is read (a row outside
    it is an error of that row, never written); a role spanning every centre may import any row."""
    opts = model._meta
    return (can(user, f"{opts.app_label}.add_{opts.model_name}")
            and can(user, f"{opts.app_label}.change_{opts.model_name}"))


# --- personal data ----------------------------------------------------------------------------------

def can_view_full_contact(user: Any) -> bool:
    """Full phone numbers, e-mails, addresses and names are for roles that contact customers."""
    return can(user, VIEW_FULL_CONTACT)




def contact_for(user: Any, value: Any, kind: str) -> Any:
    """``value`` as this user may see it: whole for roles holding the contact permission, masked otherwise."""
    if value in (None, "") or can_view_full_contact(user):
        return value
    return MASKS[kind](str(value))
