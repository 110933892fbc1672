"""The analytics pages' URLs, mounted inside the admin site (``/admin/analytics/...``) by its ``get_urls``."""

from __future__ import annotations

from functools import partial

from django.urls import path

from . import views


def admin_urls(site) -> list:
    def view(func):
        return site.admin_view(partial(func, site))

    return [
        path("analytics/", view(views.index_view), name="analytics_index"),
        *[path(f"analytics/{key}/", view(getattr(views, f"{key}_view")), name=f"analytics_{key}")
          for key, _label in views.PAGES],
    ]
