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
