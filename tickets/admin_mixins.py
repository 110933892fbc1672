"""Admin building blocks shared by every app's admin (domain bases live in ``tickets``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite


class ReadOnlyAdminMixin:
    """Records written only by services (ledgers, logs, audit rows): staff may look, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyAdminMixin:
    """Every admin view of a model asks the one policy (``tickets.policy``) which rows the user may reach.

    ``get_queryset`` feeds the changelist, the change, history and delete views, the actions, the export,
    the autocomplete and raw-id popups (they use the related model's admin); foreign-key choices are
    narrowed the same way so a form cannot point at a row of another centre. Import needs the add and
    change permissions, export the view permission, and exported contact data is masked unless the role
    may see it (the resource gets the user).
    """

    def get_queryset(self, request):
        from . import policy

        return policy.scope_queryset(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped_choices(formfield, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped_choices(formfield, request)

    def has_export_permission(self, request):
        from . import policy

        return policy.can_export(request.user, self.model)

    def has_import_permission(self, request):
        from . import policy

        return policy.can_import(request.user, self.model)

    def get_resource_kwargs(self, request, *args, **kwargs):
        resource_kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        resource_kwargs["user"] = request.user
        return resource_kwargs


def _scoped_choices(formfield, request):
    from . import policy

    if formfield is not None and getattr(formfield, "queryset", None) is not None:
        formfield.queryset = policy.scope_queryset(request.user, formfield.queryset)
    return formfield


class EstimatedCountPaginator(Paginator):
    """Avoids a full-table COUNT(*) on an unfiltered changelist of a big table.

    An unfiltered list first asks the database for an estimate that costs no table scan: on
    PostgreSQL the planner's row estimate (``pg_class.reltuples``), elsewhere the highest primary key.
    A large estimate is shown as is; below ``exact_below`` the rows are counted, but never more than
    ``exact_below + 1`` of them. Filtered lists are counted exactly (their filters are indexed).
    """

    exact_below = 20_000
    #: A filtered list counts at most this many rows plus one (None: exactly). Past it the list pages
    #: through the first rows; a narrower filter or search finds the rest.
    filtered_cap: int | None = None

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and query.where and self.filtered_cap is not None:
            return qs.order_by()[: self.filtered_cap + 1].count()
        if query is None or query.where or query.distinct or query.combinator:
            return super().count
        estimate = self._estimate(qs)
        if estimate >= self.exact_below:
            return estimate
        capped = qs.order_by()[: self.exact_below + 1].count()
        return max(capped, estimate) if capped > self.exact_below else capped

    @staticmethod
    def _estimate(qs) -> int:
        connection = connections[qs.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [qs.model._meta.db_table])
                row = cursor.fetchone()
            return int(row[0]) if row else -1
        pk = qs.model._meta.pk
        if pk.get_internal_type() not in ("AutoField", "BigAutoField", "SmallAutoField"):
            return -1
        from django.db.models import Max

        return qs.model._default_manager.using(qs.db).aggregate(top=Max(pk.attname))["top"] or 0


class CappedCountPaginator(EstimatedCountPaginator):
    """For a big table whose filters or searches may match most of it (a word of the fault
    descriptions, a common status): their count stops at ``filtered_cap`` + 1 rows."""

    filtered_cap = 10_000


class EstimatedCountMixin:
    """Changelists of tables that grow with the business: an estimated total, and no second count of the
    whole table next to a filtered one."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


OWN_APPS = {"tickets", "repairs", "parts", "surveys", "knowledge"}


def _reads_distinct_values(model, list_filter) -> bool:
    """Whether Django would build this filter's options with a DISTINCT over the column."""
    from django.contrib.admin.utils import get_fields_from_path
    from django.db import models

    if not isinstance(list_filter, str):
        return False
    field = get_fields_from_path(model, list_filter)[-1]
    return not (field.is_relation or field.choices
                or isinstance(field, (models.BooleanField, models.DateField, models.DateTimeField)))


def estimated_counts_everywhere(site: AdminSite) -> None:
    """Give every changelist on ``site`` (ours and third-party ones such as the task and login logs)
    the estimated total: each of these tables can grow to millions of rows in a busy service network.

    The third-party logs (login attempts, tasks) also lose their date hierarchy and their filters
    built from a DISTINCT: both read the whole table on every visit. Our own admins say so themselves.
    """
    for model, model_admin in site._registry.items():
        if model_admin.paginator is Paginator:
            model_admin.paginator = EstimatedCountPaginator
        model_admin.show_full_result_count = False
        if model._meta.app_label not in OWN_APPS and model._meta.app_label not in ("auth",):
            model_admin.date_hierarchy = None
            model_admin.list_filter = [f for f in model_admin.list_filter if not _reads_distinct_values(model, f)]


def choices_filter(field: str, title: str, choices: Callable[[], Iterable[tuple[str, str]]]) -> type:
    """A list filter whose options come from code (an enum, the event registry), not from a
    ``SELECT DISTINCT`` over the whole table as Django's default filter for a plain column does."""
    from django.contrib.admin import SimpleListFilter

    class ChoicesFilter(SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return list(choices())

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    ChoicesFilter.title = title
    ChoicesFilter.__name__ = f"{field.title().replace('_', '')}ChoicesFilter"
    return ChoicesFilter


class ServiceSaveAdminMixin:
    """A change form whose save goes through a service: ``save_model`` calls ``save_via_service``;
    a refusal is shown as the service's own localized message instead of "changed successfully"."""

    def save_via_service(self, request, func, /, **kwargs):
        from django.contrib import messages
        from django.core.exceptions import ValidationError

        from tickets.exceptions import DomainError

        try:
            result = func(**kwargs)
        except (DomainError, ValidationError) as exc:
            text = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
            messages.error(request, text)
            request._service_save_refused = True
            return None
        return result

    def message_user(self, request, message, level=None, *args, **kwargs):
        from django.contrib import messages

        level = messages.INFO if level is None else level
        if getattr(request, "_service_save_refused", False) and level == messages.SUCCESS:
            return None
        return super().message_user(request, message, level, *args, **kwargs)
