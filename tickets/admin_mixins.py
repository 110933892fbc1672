"""Admin building blocks shared by every app's admin (domain bases live in ``tickets``)."""

from __future__ import annotations


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
